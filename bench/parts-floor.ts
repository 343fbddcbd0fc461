/** bench/parts-app.ts on node:http, started as the server is (PORT, HOST): the container's second floor. */
import { partsApp } from "./parts-app.ts";

partsApp().listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1");

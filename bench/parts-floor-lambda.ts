/** bench/parts-app.ts behind the serverless adapter, wired by the module server/lambda.ts ships with: Lambda's second floor. */
import { streamingHandler } from "../server/lambda/adapter.ts";
import { partsApp } from "./parts-app.ts";

export const handler = streamingHandler(partsApp());

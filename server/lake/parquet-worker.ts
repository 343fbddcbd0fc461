/**
 * Worker thread that encodes Parquet, so encoding runs on a second core while the main thread fetches,
 * parses and normalises the next page. Messages in: {type:"group", data, rows} | {type:"finish"};
 * out: {type:"ack"} after each, or {type:"error", message, code}.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ParquetFile } from "./parquet-file.ts";
import type { ManifestColumn } from "./types.ts";

const { path, columns, kv } = workerData as {
  path: string;
  columns: ManifestColumn[];
  kv: Record<string, string>;
};
const port = parentPort!;
const file = ParquetFile.open(path, columns, kv);
// Messages are handled strictly in order: each waits for the one before.
let chain: Promise<unknown> = file;

port.on(
  "message",
  (msg: { type: "group"; data: (string | number | null)[][]; rows: number } | { type: "finish" }) => {
    chain = chain
      .then(async () => {
        const f = await file;
        if (msg.type === "group") await f.writeGroup(msg.data, msg.rows);
        else await f.finish();
        port.postMessage({ type: "ack" });
      })
      .catch((err: any) => {
        port.postMessage({ type: "error", message: String(err?.message ?? err), code: err?.code });
        // Later messages must not write into a broken file.
        chain = new Promise(() => {});
      });
  },
);

/**
 * The lake, loaded on first use. The S3 SDK and the Parquet libraries were about a third of the
 * server's start-up time, and most requests (health checks, search, metadata) never touch the lake.
 * Only light modules are imported here; index.ts and what it pulls in load on the first lake call.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Lake, OpenLakeOptions } from "./types.ts";

export function lazyLake(uri: string, options: OpenLakeOptions): Lake {
  let lake: Promise<Lake> | undefined;
  const get = () => (lake ??= import("./index.ts").then((m) => m.openLake(uri, options)));
  return {
    describe: () => describeUri(uri),
    check: async () => (await get()).check(),
    findCurrent: async (id, filters, updatedDate) => (await get()).findCurrent(id, filters, updatedDate),
    saveDataset: async (src, opts) => (await get()).saveDataset(src, opts),
    listDatasets: async (id) => (await get()).listDatasets(id),
    listDatasetsPage: async (opts) => (await get()).listDatasetsPage(opts),
    getManifest: async (id) => (await get()).getManifest(id),
    query: async (id, q, opts) => (await get()).query(id, q, opts),
    downloadUrl: async (id, format, seconds) => (await get()).downloadUrl(id, format, seconds),
    openDownload: async (id, file) => (await get()).openDownload(id, file),
  };
}

/** What openLake(uri).describe() says, without loading the stores: no credentials, absolute paths. */
function describeUri(uri: string): string {
  if (uri.startsWith("s3://")) return uri.replace(/\/+$/, "");
  const path = uri.startsWith("file://") ? uri.slice("file://".length) : uri;
  return path.startsWith("/") ? pathToFileURL(path).href : pathToFileURL(resolve(path)).href;
}

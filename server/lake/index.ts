/**
 * The data lake: `openLake("s3://bucket/prefix" | "file://./data" | "/abs/dir", opts)` returns one Lake
 * over either store. See docs/lake.md for the layout and how to read it with other tools.
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { signDownload } from "./download.ts";
import { LakeError } from "./errors.ts";
import { FsStore } from "./fs-store.ts";
import { checkStatsDataId, datasetIdOf, manifestKey, parseDatasetId } from "./ids.ts";
import { DEFAULT_QUERY_LIMITS } from "./limits.ts";
import { runQuery } from "./query.ts";
import { QueryGate } from "./query-gate.ts";
import { S3Store } from "./s3-store.ts";
import { CONTENT_TYPES, readManifest, saveDataset } from "./save.ts";
import type { BlobStore } from "./store.ts";
import type {
  DatasetSource,
  DownloadFile,
  Lake,
  Manifest,
  ManifestFile,
  OpenLakeOptions,
  Query,
  QueryLimits,
  QueryOptions,
  QueryResult,
  SaveOptions,
} from "./types.ts";

export { DOWNLOAD_FILES, signDownload, verifyDownload } from "./download.ts";
export { LakeError } from "./errors.ts";
export { datasetIdOf, normaliseFilters, variantOf } from "./ids.ts";
export { DEFAULT_LIMIT, MAX_LIMIT } from "./query.ts";
export type * from "./types.ts";

/** 7 days: the longest an S3 SigV4 presigned URL may live. */
import { MAX_DOWNLOAD_SECONDS } from "./limits.ts";

export { MAX_DOWNLOAD_SECONDS };

class StoreLake implements Lake {
  readonly store: BlobStore;
  readonly opts: OpenLakeOptions;
  readonly limits: QueryLimits;
  readonly gate: QueryGate;
  constructor(store: BlobStore, opts: OpenLakeOptions) {
    this.store = store;
    this.opts = opts;
    this.limits = { ...DEFAULT_QUERY_LIMITS, ...opts.queries };
    this.gate = new QueryGate(this.limits);
  }

  describe(): string {
    return this.store.describe();
  }

  check(): Promise<void> {
    return this.store.check();
  }

  async findCurrent(statsDataId: string, filters: Record<string, string[]>, updatedDate?: string) {
    const m = await this.getManifest(datasetIdOf(statsDataId, filters));
    if (!m) return undefined;
    return updatedDate === undefined || m.updatedDate === updatedDate ? m : undefined;
  }

  saveDataset(src: DatasetSource, opts: SaveOptions): Promise<Manifest> {
    return saveDataset(this.store, src, opts);
  }

  async listDatasets(statsDataId?: string): Promise<Manifest[]> {
    const prefix = statsDataId ? `datasets/estat/${checkStatsDataId(statsDataId)}/` : "datasets/estat/";
    const keys = (await this.store.list(prefix)).filter((k) =>
      /^datasets\/estat\/[^/]+\/[^/]+\/manifest\.json$/.test(k),
    );
    const out: Manifest[] = [];
    for (const key of keys) {
      const m = await readManifest(this.store, key);
      if (m) out.push(m);
    }
    return out.sort((a, b) => (a.datasetId < b.datasetId ? -1 : a.datasetId > b.datasetId ? 1 : 0));
  }

  getManifest(datasetId: string): Promise<Manifest | undefined> {
    const { statsDataId, variant } = parseDatasetId(datasetId);
    return readManifest(this.store, manifestKey(statsDataId, variant));
  }

  private async requireManifest(datasetId: string): Promise<Manifest> {
    const m = await this.getManifest(datasetId);
    if (!m) {
      throw new LakeError(
        `No dataset "${datasetId}" in the lake. Save it with save_dataset or list them with list_datasets.`,
        404,
      );
    }
    return m;
  }

  /** `file` is a file name ("data.csv") or a data format ("csv"). */
  private fileOf(m: Manifest, file: string): ManifestFile {
    const f =
      m.files.find((x) => x.name === file) ?? m.files.find((x) => x.role === "data" && x.format === file);
    if (!f) {
      const have = m.files.map((x) => (x.role === "data" ? x.format : x.name)).join(", ");
      throw new LakeError(
        `Dataset "${m.datasetId}" has no "${file}". Available: ${have}. Save it again with that format to add it.`,
        404,
      );
    }
    return f;
  }

  query(datasetId: string, q: Query, opts: QueryOptions = {}): Promise<QueryResult> {
    const { signal } = opts;
    return this.gate.run(opts.key, signal, async () => {
      const m = await this.requireManifest(datasetId);
      const f = this.fileOf(m, "data.parquet");
      const file = await this.store.asyncBuffer(f.key, f.bytes);
      return runQuery(m, file, q, { signal, maxGroups: this.limits.maxGroups });
    });
  }

  async downloadUrl(datasetId: string, format: string, expiresInSeconds: number) {
    if (
      !Number.isInteger(expiresInSeconds) ||
      expiresInSeconds < 1 ||
      expiresInSeconds > MAX_DOWNLOAD_SECONDS
    ) {
      throw new LakeError(
        `expiresInSeconds must be an integer from 1 to ${MAX_DOWNLOAD_SECONDS} (7 days).`,
        400,
      );
    }
    const m = await this.requireManifest(datasetId);
    const f = this.fileOf(m, format);
    if (this.store.presign) {
      const p = await this.store.presign(f.key, expiresInSeconds, downloadName(m, f));
      return {
        url: p.url,
        expiresAt: p.expiresAt.toISOString(),
        expiresInSeconds: p.expiresInSeconds,
        ...(p.limitedByCredentials
          ? {
              note:
                `Valid ${p.expiresInSeconds} s, not the ${expiresInSeconds} s asked: the link is signed with the server's ` +
                "temporary cloud credentials and stops working when they expire. Ask again for a fresh link.",
            }
          : {}),
      };
    }
    const { publicBaseUrl, signingKey } = this.opts;
    if (!publicBaseUrl || !signingKey) {
      throw new LakeError(
        "Download links for the filesystem lake need the server's public base URL and a signing key; configure both.",
        500,
      );
    }
    const { path, expiresAt } = signDownload(m.datasetId, f.name, expiresInSeconds, signingKey);
    return { url: `${publicBaseUrl.replace(/\/+$/, "")}${path}`, expiresAt, expiresInSeconds };
  }

  async openDownload(datasetId: string, file: string): Promise<DownloadFile> {
    const m = await this.requireManifest(datasetId);
    const f = this.fileOf(m, file);
    return {
      stream: await this.store.openRead(f.key),
      bytes: f.bytes,
      contentType: CONTENT_TYPES[f.format],
      fileName: downloadName(m, f),
    };
  }
}

function downloadName(m: Manifest, f: ManifestFile): string {
  return `${m.statsDataId}-${m.variant}${f.role === "meta" ? `-${f.name.replace(".", "-")}` : ""}.${f.format}`;
}

/**
 * `uri`: "s3://bucket[/prefix]", "file://./data" (relative to the working directory), "file:///abs/dir"
 * or a plain path. S3 credentials come from the AWS SDK's provider chain unless `opts.credentials` is set.
 */
export function openLake(uri: string, opts: OpenLakeOptions = {}): Lake {
  return new StoreLake(storeFor(uri, opts), opts);
}

export function storeFor(uri: string, opts: OpenLakeOptions = {}): BlobStore {
  if (uri.startsWith("s3://")) {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
    if (!m)
      throw new LakeError(`Invalid DATA_LAKE "${uri}": expected s3://bucket or s3://bucket/prefix.`, 500);
    return new S3Store(m[1], m[2] ?? "", opts);
  }
  if (uri.startsWith("file://")) {
    const rest = uri.slice("file://".length);
    // file://./data and file://data are relative to the working directory; file:///abs is absolute.
    const path = rest.startsWith("/") ? fileURLToPath(uri) : resolve(rest);
    return new FsStore(path);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new LakeError(
      `Unsupported DATA_LAKE "${uri.split("://")[0]}://…". Use s3://bucket/prefix or file://./data.`,
      500,
    );
  }
  return new FsStore(isAbsolute(uri) ? uri : resolve(uri));
}

/** DATA_LAKE wins; S3_BUCKET (the replaced design's single-bucket setting) means s3://<bucket>; default file://./data. */
export function resolveLakeUri(env: { DATA_LAKE?: string; S3_BUCKET?: string }): string {
  if (env.DATA_LAKE) return env.DATA_LAKE;
  if (env.S3_BUCKET) return `s3://${env.S3_BUCKET}`;
  return "file://./data";
}

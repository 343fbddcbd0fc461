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
import { collectRetired } from "./commit.ts";
import { sweepAbandoned } from "./gc.ts";
import { CONTENT_TYPES, readManifest, type SavePolicy, saveDataset, WriterLocks } from "./save.ts";
import type { BlobStore } from "./store.ts";
import type {
  DatasetPage,
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

const DEFAULT_RETIRE_GRACE_MS = 300_000;
const DEFAULT_ABANDONED_AFTER_MS = 3_600_000;
const MANIFEST_KEY = /^datasets\/estat\/[^/]+\/[^/]+\/manifest\.json$/;
const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;

class StoreLake implements Lake {
  readonly store: BlobStore;
  readonly opts: OpenLakeOptions;
  readonly limits: QueryLimits;
  readonly gate: QueryGate;
  readonly policy: SavePolicy;
  /** One pending collection of retired versions per dataset. */
  readonly #collections = new Map<string, NodeJS.Timeout>();
  constructor(store: BlobStore, opts: OpenLakeOptions) {
    this.store = store;
    this.opts = opts;
    this.limits = { ...DEFAULT_QUERY_LIMITS, ...opts.queries };
    this.gate = new QueryGate(this.limits);
    this.policy = {
      retireGraceMs: opts.retireGraceMs ?? DEFAULT_RETIRE_GRACE_MS,
      maxDatasets: opts.maxDatasets,
      maxBytes: opts.maxBytes,
      locks: new WriterLocks(),
    };
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

  async saveDataset(src: DatasetSource, opts: SaveOptions): Promise<Manifest> {
    const m = await saveDataset(this.store, src, opts, this.policy);
    this.afterCommit(m);
    return m;
  }

  /** Retired versions go when their grace ends; a dead save's files once they are old. Best effort. */
  private afterCommit(m: Manifest) {
    void sweepAbandoned(this.store, m.statsDataId, this.opts.abandonedAfterMs ?? DEFAULT_ABANDONED_AFTER_MS).catch(
      () => {},
    );
    if (!m.retired?.length || this.#collections.has(m.datasetId)) return;
    const due = Math.min(...m.retired.map((r) => Date.parse(r.retiredAt))) + this.policy.retireGraceMs - Date.now();
    const timer = setTimeout(() => {
      this.#collections.delete(m.datasetId);
      void collectRetired(this.store, m.statsDataId, m.variant, this.policy.retireGraceMs)
        .then(async () => {
          const next = await this.getManifest(m.datasetId);
          if (next) this.afterCommit(next);
        })
        .catch(() => {});
    }, Math.max(0, due) + 50);
    // A pending collection must not keep the process alive; the next commit or start finds what is left.
    timer.unref();
    this.#collections.set(m.datasetId, timer);
  }

  private async manifestKeys(statsDataId?: string): Promise<string[]> {
    const prefix = statsDataId ? `datasets/estat/${checkStatsDataId(statsDataId)}/` : "datasets/estat/";
    return (await this.store.list(prefix)).filter((k) => MANIFEST_KEY.test(k));
  }

  private async readAll(keys: string[]): Promise<Manifest[]> {
    const out: Manifest[] = [];
    for (const key of keys) {
      const m = await readManifest(this.store, key);
      if (m) out.push(m);
    }
    return out.sort((a, b) => (a.datasetId < b.datasetId ? -1 : a.datasetId > b.datasetId ? 1 : 0));
  }

  async listDatasets(statsDataId?: string): Promise<Manifest[]> {
    return this.readAll(await this.manifestKeys(statsDataId));
  }

  async listDatasetsPage(opts: { statsDataId?: string; cursor?: string; limit?: number }): Promise<DatasetPage> {
    const limit = opts.limit ?? DEFAULT_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new LakeError(`limit must be an integer from 1 to ${MAX_PAGE} (got ${opts.limit}).`, 400);
    }
    const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
    // Keys sort as datasetIds do ("datasets/estat/<statsDataId>/<variant>/manifest.json").
    const keys = (await this.manifestKeys(opts.statsDataId))
      .map((k) => ({ k, id: k.split("/").slice(2, 4).join("/") }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .filter((x) => after === undefined || x.id > after);
    const page = keys.slice(0, limit);
    const datasets = await this.readAll(page.map((x) => x.k));
    return keys.length > limit ? { datasets, nextCursor: encodeCursor(page.at(-1)!.id) } : { datasets };
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

/** Opaque to callers: the last datasetId of the page, base64url. */
function encodeCursor(datasetId: string): string {
  return Buffer.from(datasetId, "utf8").toString("base64url");
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  try {
    parseDatasetId(id);
  } catch {
    throw new LakeError(
      `Invalid cursor "${cursor.slice(0, 40)}": pass the nextCursor of the previous list_datasets answer, or none for the first page.`,
      400,
    );
  }
  return id;
}

/**
 * The data lake's public types. A dataset is one e-Stat table (optionally narrowed by filters) stored as
 * Parquet (+ CSV/JSON on request) with its metadata, published by writing `manifest.json` last.
 */
import type { Readable } from "node:stream";

/**
 * One row as `get_stats_data` returns it and as the Parquet columns are: for each dimension id in table
 * order `${id}` = code (string, leading zeros kept) and `${id}Name` = label; then `unit`, `value`
 * (null when the raw value is a symbol such as "-", "X", "***") and `raw` (the value as e-Stat sent it).
 */
export type Row = Record<string, string | number | null>;

export interface DimensionMeta {
  id: string;
  name: string;
  classes: { code: string; name: string; level?: string; unit?: string; parentCode?: string }[];
}

export interface DatasetSource {
  statsDataId: string;
  title: string;
  /** e-Stat's TABLE_INF.UPDATED_DATE; a stored dataset with the same date and filters is current. */
  updatedDate?: string;
  /** RESULT_INF.TOTAL_NUMBER of the (filtered) request: the save fails if the pages deliver another count. */
  totalNumber: number;
  /** Already resolved to codes, e.g. { cdArea: ["13000"] }; {} = the whole table. */
  filters: Record<string, string[]>;
  dimensions: DimensionMeta[];
  /** Symbol -> meaning, from DATA_INF.NOTE. */
  notes: Record<string, string>;
  /**
   * One item per upstream page: the response bytes as received (kept gzipped under raw/) and its rows, either
   * as row objects or (faster, less memory) as column arrays from `columns()` in server/estat/normalize.ts.
   */
  pages: AsyncIterable<SourcePage>;
}

export type SourcePage = { body: Uint8Array; rows: Row[] } | { body: Uint8Array; columns: ColumnarPage };

/**
 * A page as column arrays, in the table's column order (see `columnsOf`): strings as a dictionary plus one
 * Int32 index per row (-1 = null) or as plain strings; DOUBLE values in a Float64Array with NaN for null
 * (e-Stat values are never NaN: a symbol is null).
 */
export interface ColumnarPage {
  rows: number;
  columns: PageColumn[];
}

export type PageColumn =
  | { kind: "dict"; dict: string[]; idx: Int32Array }
  | { kind: "strings"; values: (string | null)[] }
  | { kind: "double"; values: Float64Array };

export type DataFormat = "parquet" | "csv" | "json";

export interface SaveOptions {
  /** Data files to write; "parquet" is always written (queries read it) even if not listed. */
  formats: DataFormat[];
  /** Aborting stops before the next page (or while waiting for it); nothing becomes visible. */
  signal?: AbortSignal;
  /**
   * Called after each page is written. `rows` = rows written so far, `totalRows` = the source's
   * totalNumber, `pageRows` = rows of this page: (rows, totalRows) map onto MCP progress/total.
   */
  onPage?: (p: { page: number; rows: number; totalRows: number; pageRows: number }) => void | Promise<void>;
  /** Rows per Parquet row group (default 65,536); smaller only to exercise multi-group files in tests. */
  rowGroupRows?: number;
}

export interface ManifestColumn {
  name: string;
  type: "string" | "double";
  nullable: true;
  /** What the column holds, e.g. "code of 地域 (area)". */
  description: string;
}

export interface ManifestFile {
  /** File name inside the dataset version: data.parquet, data.csv, data.json, meta.json, meta.csv. */
  name: string;
  format: DataFormat;
  role: "data" | "meta";
  /** Key relative to the lake root, e.g. datasets/estat/0003/all/20261124T063650123Z-1a2b3c/parquet/data.parquet. */
  key: string;
  /** Absolute location: s3://bucket/prefix/... or file:///abs/... */
  uri: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  manifestVersion: 1;
  /** `<statsDataId>/<variant>` */
  datasetId: string;
  statsDataId: string;
  /** "all" without filters, else a 12-hex-digit hash of the normalised filters. */
  variant: string;
  title: string;
  updatedDate: string | null;
  filters: Record<string, string[]>;
  rows: number;
  columns: ManifestColumn[];
  dimensions: { id: string; name: string; classes: number }[];
  notes: Record<string, string>;
  fetchId: string;
  fetchedAt: string;
  files: ManifestFile[];
  raw: { prefix: string; pages: number };
  /**
   * Versions this one replaced whose files are kept until `retiredAt` + the grace period, so that a
   * reader that read the previous manifest can finish; then they are deleted.
   */
  retired?: RetiredVersion[];
}

export interface RetiredVersion {
  fetchId: string;
  retiredAt: string;
  /** Every key the version owned: its files and raw pages. */
  keys: string[];
}

/** One page of `listDatasetsPage`: pass `nextCursor` back for the next, absent on the last page. */
export interface DatasetPage {
  datasets: Manifest[];
  nextCursor?: string;
}

export type Scalar = string | number;
export type WhereCondition = Scalar | Scalar[] | { gte?: Scalar; lte?: Scalar };
export type AggregateFn = "sum" | "avg" | "min" | "max" | "count";

export interface Query {
  /** Columns to return (default: all). Ignored when groupBy or aggregate is given. */
  columns?: string[];
  /** column -> value (equality), [values] (any of) or { gte, lte } (inclusive range). All must hold. */
  where?: Record<string, WhereCondition>;
  groupBy?: string[];
  /** e.g. { sum: "value", count: "*" }; the result column is `${fn}_${column}` (`count` for "*"). */
  aggregate?: Partial<Record<AggregateFn, string>>;
  /** Any result column, including aggregate results such as "sum_value". Nulls sort last. */
  orderBy?: { column: string; desc?: boolean }[];
  /** 1..10000, default 100. */
  limit?: number;
}

export interface QueryResult {
  columns: string[];
  rows: Row[];
  /** True when more result rows existed than `limit`. */
  truncated: boolean;
  /** Rows read from the Parquet file. */
  scannedRows: number;
}

export interface DownloadFile {
  stream: Readable;
  bytes: number;
  contentType: string;
  /** Suggested download name, e.g. 0003445078-all.parquet */
  fileName: string;
}

export interface Lake {
  /** "s3://bucket/prefix" or "file:///abs/data"; never credentials. */
  describe(): string;
  /** Readiness: the store is reachable and writable. Throws LakeError. */
  check(): Promise<void>;
  /** The stored dataset for these filters if its UPDATED_DATE equals `updatedDate` (any date if omitted). */
  findCurrent(
    statsDataId: string,
    filters: Record<string, string[]>,
    updatedDate?: string,
  ): Promise<Manifest | undefined>;
  saveDataset(src: DatasetSource, opts: SaveOptions): Promise<Manifest>;
  listDatasets(statsDataId?: string): Promise<Manifest[]>;
  /** `limit` datasets (default 50) after `cursor`, in datasetId order. */
  listDatasetsPage(opts: { statsDataId?: string; cursor?: string; limit?: number }): Promise<DatasetPage>;
  getManifest(datasetId: string): Promise<Manifest | undefined>;
  /** Bounded by OpenLakeOptions.queries: a busy lake answers 503, a key over its share 429. */
  query(datasetId: string, q: Query, opts?: QueryOptions): Promise<QueryResult>;
  /**
   * S3: a presigned GET URL. Filesystem: `${publicBaseUrl}/datasets/<datasetId>/<file>?expires=&sig=`.
   * `expiresAt` is when the link really stops working: on S3 signed with temporary credentials, no later
   * than they expire (then `expiresInSeconds` is less than asked and `note` says why).
   */
  downloadUrl(
    datasetId: string,
    format: string,
    expiresInSeconds: number,
  ): Promise<{ url: string; expiresAt: string; expiresInSeconds: number; note?: string }>;
  /** Streams one file of the current version (`file` = "data.parquet", "meta.csv", ...). */
  openDownload(datasetId: string, file: string): Promise<DownloadFile>;
}

export interface QueryOptions {
  /** Cancel or deadline: stops waiting for a slot and stops the scan. */
  signal?: AbortSignal;
  /** Who asks (an API key id), for the per-key bound; undefined = not counted per key. */
  key?: string;
}

export interface QueryLimits {
  /** Queries running at once on this instance (LAKE_QUERY_CONCURRENCY, default 2). */
  concurrency: number;
  /** Queries waiting for a slot (LAKE_QUERY_QUEUE, default 8); beyond, "busy, retry". */
  queue: number;
  /** Running or waiting queries of one key (LAKE_QUERY_PER_KEY, default 2). */
  perKey: number;
  /** Groups one query may hold (LAKE_QUERY_MAX_GROUPS, default 20,000). */
  maxGroups: number;
}

export interface OpenLakeOptions {
  /** Bounds on query(); defaults in DEFAULT_QUERY_LIMITS (limits.ts). */
  queries?: Partial<QueryLimits>;
  /** S3-compatible endpoint, e.g. http://127.0.0.1:9000 or https://storage.googleapis.com. */
  s3Endpoint?: string;
  /** Default "us-east-1" ("auto" for Google Cloud Storage). */
  region?: string;
  /** Default: true when s3Endpoint is set. */
  forcePathStyle?: boolean;
  /** Static credentials (tests, S3-compatibles); default: the AWS SDK's provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Filesystem lake: where this server is reachable, e.g. https://mcp.example.com (for downloadUrl). */
  publicBaseUrl?: string;
  /** Filesystem lake: HMAC key for download URLs (see verifyDownload). */
  signingKey?: string;
  /**
   * How long a replaced version's files stay readable after the new manifest is written (default
   * 300,000 ms): longer than the longest read (a query, a download) that may have read the old manifest.
   */
  retireGraceMs?: number;
  /** Files of a save that never committed (its process died) are deleted after this (default 1 h). */
  abandonedAfterMs?: number;
  /** At most this many datasets (manifests) in the lake; a save of a new one beyond it is refused. */
  maxDatasets?: number;
  /** At most this many bytes in the lake (datasets and raw pages); no save starts beyond it. */
  maxBytes?: number;
}

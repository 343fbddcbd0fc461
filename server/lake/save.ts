/**
 * Saving a dataset: pages -> raw/…/page-N.json.gz + streaming sinks in a staging directory -> files
 * published under a fresh version key `datasets/estat/<id>/<variant>/<fetchId>/` -> manifest.json last.
 * Until the manifest is replaced, readers see the previous version, whose files are untouched; after it,
 * the previous version's files are removed. A failure removes what this save wrote.
 */
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { LakeError, storeError } from "./errors.ts";
import {
  checkStatsDataId,
  datasetPrefix,
  manifestKey,
  newFetchId,
  normaliseFilters,
  rawPrefix,
  variantOf,
} from "./ids.ts";
import { CsvSink, hashFile, JsonSink, ParquetSink, type Sink } from "./sinks.ts";
import type { BlobStore } from "./store.ts";
import type {
  DataFormat,
  DatasetSource,
  DimensionMeta,
  Manifest,
  ManifestColumn,
  ManifestFile,
  SaveOptions,
  SourcePage,
} from "./types.ts";

const gzipAsync = promisify(gzip);

export const CONTENT_TYPES: Record<string, string> = {
  parquet: "application/vnd.apache.parquet",
  csv: "text/csv; charset=utf-8",
  json: "application/json",
};

export function columnsOf(dimensions: DimensionMeta[]): ManifestColumn[] {
  const cols: ManifestColumn[] = [];
  for (const d of dimensions) {
    cols.push({ name: d.id, type: "string", nullable: true, description: `code of ${d.name} (${d.id})` });
    cols.push({
      name: `${d.id}Name`,
      type: "string",
      nullable: true,
      description: `label of ${d.name} (${d.id})`,
    });
  }
  cols.push({ name: "unit", type: "string", nullable: true, description: "unit of the value" });
  cols.push({
    name: "value",
    type: "double",
    nullable: true,
    description: "the value; null when e-Stat gave a symbol",
  });
  cols.push({
    name: "raw",
    type: "string",
    nullable: true,
    description: "the value as e-Stat sent it (symbols kept)",
  });
  const seen = new Set<string>();
  for (const c of cols) {
    if (seen.has(c.name))
      throw new LakeError(`Dimension ids collide on column "${c.name}"; cannot store this table.`, 400);
    seen.add(c.name);
  }
  return cols;
}

function metaJson(src: DatasetSource, filters: Record<string, string[]>, columns: ManifestColumn[]): string {
  const meta = {
    statsDataId: src.statsDataId,
    title: src.title,
    updatedDate: src.updatedDate ?? null,
    filters,
    columns,
    notes: src.notes,
    dimensions: src.dimensions,
    credit: "政府統計の総合窓口(e-Stat) https://www.e-stat.go.jp/",
  };
  return `${JSON.stringify(meta, null, 2)}\n`;
}

function metaCsv(dimensions: DimensionMeta[]): string {
  const q = (s: string | undefined) =>
    s === undefined ? "" : /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  let out = "dimension,dimensionName,code,name,level,unit,parentCode\r\n";
  for (const d of dimensions) {
    for (const c of d.classes) {
      out += `${[d.id, d.name, c.code, c.name, c.level, c.unit, c.parentCode].map(q).join(",")}\r\n`;
    }
  }
  return out;
}

/**
 * Rejects as soon as the signal aborts, so a save does not wait for a slow upstream page. `p` is
 * observed before anything else happens: a page that rejects after the abort (its fetch was cancelled
 * too) must not become an unhandled rejection, which would end the process.
 */
function raceAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
}

export async function saveDataset(
  store: BlobStore,
  src: DatasetSource,
  opts: SaveOptions,
): Promise<Manifest> {
  const statsDataId = checkStatsDataId(src.statsDataId);
  const filters = normaliseFilters(src.filters);
  const variant = variantOf(filters);
  const datasetId = `${statsDataId}/${variant}`;
  const formats: DataFormat[] = [
    "parquet",
    ...(["csv", "json"] as const).filter((f) => opts.formats.includes(f)),
  ];
  const columns = columnsOf(src.dimensions);
  const names = columns.map((c) => c.name);
  const fetchedAt = new Date();
  const fetchId = newFetchId(fetchedAt);
  const versionPrefix = `${datasetPrefix(statsDataId, variant)}/${fetchId}`;
  const raw = rawPrefix(statsDataId, fetchId);
  const written: string[] = [];
  const staging = await store.stagingDir();
  const sinks = new Map<DataFormat, Sink>();
  /** The previous page's raw write, finished before the next page's is started and before any cleanup. */
  let rawPending: Promise<void> | undefined;

  try {
    const kv = {
      "estat.statsDataId": statsDataId,
      "estat.title": src.title,
      "estat.updatedDate": src.updatedDate ?? "",
    };
    sinks.set(
      "parquet",
      await ParquetSink.create(join(staging, "data.parquet"), columns, kv, opts.rowGroupRows),
    );
    if (formats.includes("csv")) sinks.set("csv", await CsvSink.create(join(staging, "data.csv"), names));
    if (formats.includes("json")) sinks.set("json", await JsonSink.create(join(staging, "data.json"), names));

    let page = 0;
    let rows = 0;
    const pages = src.pages[Symbol.asyncIterator]();
    let exhausted = false;
    try {
      // `item` is cleared after each page so that no binding keeps a page's columns or bytes alive while the
      // next page is fetched and parsed (peak memory = one page, not two).
      let item: SourcePage | undefined;
      let next: IteratorResult<SourcePage> | undefined;
      for (;;) {
        // Not even asked for once the call is cancelled: no upstream request is started for nothing.
        opts.signal?.throwIfAborted();
        next = await raceAbort(pages.next(), opts.signal);
        if (next.done) {
          exhausted = true;
          break;
        }
        item = next.value;
        next = undefined;
        page++;
        const rawKey = `${raw}/page-${page}.json.gz`;
        written.push(rawKey);
        // zlib runs on the thread pool: compress and store the raw page while the rows are encoded here and
        // the next page is fetched; at most one page's raw write is in flight.
        const rawStored = gzipAsync(item.body).then((gz) => store.putBytes(rawKey, gz, "application/gzip"));
        rawStored.catch(() => {}); // awaited below, or by the cleanup after a failure
        const pageRows = "columns" in item ? item.columns.rows : item.rows.length;
        try {
          for (const sink of sinks.values()) {
            if ("columns" in item) await sink.appendColumns(item.columns);
            else await sink.append(item.rows);
          }
        } catch (err) {
          await rawStored.catch(() => {});
          throw err;
        }
        item = undefined;
        await rawPending;
        rawPending = rawStored;
        rows += pageRows;
        await opts.onPage?.({ page, rows, totalRows: src.totalNumber, pageRows });
      }
      await rawPending;
    } finally {
      // Leaving early (abort, a failed write): let the upstream iterator run its cleanup (e.g. end its fetch).
      if (!exhausted) void pages.return?.()?.catch(() => {});
    }
    opts.signal?.throwIfAborted();
    if (rows !== src.totalNumber) {
      throw new LakeError(
        `e-Stat announced ${src.totalNumber} rows for ${datasetId} but the pages held ${rows}; nothing was saved. Retry the save.`,
        409,
      );
    }
    for (const sink of sinks.values()) await sink.finish();
    sinks.clear();
    await writeFile(join(staging, "meta.json"), metaJson(src, filters, columns));
    await writeFile(join(staging, "meta.csv"), metaCsv(src.dimensions));

    const files: ManifestFile[] = [];
    const toPublish: [string, DataFormat, "data" | "meta"][] = [
      ...formats.map((f): [string, DataFormat, "data"] => [`data.${f}`, f, "data"]),
      ["meta.json", "json", "meta"],
      ["meta.csv", "csv", "meta"],
    ];
    for (const [name, format, role] of toPublish) {
      const local = join(staging, name);
      const { bytes, sha256 } = await hashFile(local);
      // The Parquet file sits alone in its folder, so Athena/Glue can use that folder as a table LOCATION.
      const key = format === "parquet" ? `${versionPrefix}/parquet/${name}` : `${versionPrefix}/${name}`;
      written.push(key);
      await store.putFile(key, local, CONTENT_TYPES[format]);
      files.push({ name, format, role, key, uri: store.uri(key), bytes, sha256 });
    }

    const manifest: Manifest = {
      manifestVersion: 1,
      datasetId,
      statsDataId,
      variant,
      title: src.title,
      updatedDate: src.updatedDate ?? null,
      filters,
      rows,
      columns,
      dimensions: src.dimensions.map((d) => ({ id: d.id, name: d.name, classes: d.classes.length })),
      notes: src.notes,
      fetchId,
      fetchedAt: fetchedAt.toISOString(),
      files,
      raw: { prefix: raw, pages: page },
    };
    opts.signal?.throwIfAborted();
    const previous = await readManifest(store, manifestKey(statsDataId, variant));
    // The commit point: before this line readers see the previous version, after it this one.
    await store.putBytes(
      manifestKey(statsDataId, variant),
      new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
      "application/json",
    );
    if (previous && previous.fetchId !== fetchId) {
      await store.delete(versionKeys(previous)).catch(() => {});
    }
    return manifest;
  } catch (err) {
    for (const sink of sinks.values()) await sink.abort();
    await rawPending?.catch(() => {});
    await store.delete(written).catch(() => {});
    if (opts.signal?.aborted) {
      throw new LakeError(`Saving ${datasetId} was cancelled; nothing was saved.`, 499, { cause: err });
    }
    if (err instanceof LakeError) throw err;
    // Local staging failures (disk full, permissions) carry a syscall; upstream errors pass through as they are.
    if ((err as any)?.syscall) throw storeError(err, store.describe(), `save ${datasetId}`);
    throw err;
  } finally {
    await removeStaging(staging);
  }
}

/** Every key a committed version owns: its files and its raw pages. */
export function versionKeys(m: Manifest): string[] {
  const raw = Array.from({ length: m.raw.pages }, (_, i) => `${m.raw.prefix}/page-${i + 1}.json.gz`);
  return [...m.files.map((f) => f.key), ...raw];
}

async function removeStaging(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch(() => {});
}

export async function readManifest(store: BlobStore, key: string): Promise<Manifest | undefined> {
  const bytes = await store.getBytes(key);
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as Manifest;
  } catch (err) {
    throw new LakeError(
      `The manifest ${key} in ${store.describe()} is not valid JSON; save the dataset again.`,
      500,
      {
        cause: err,
      },
    );
  }
}

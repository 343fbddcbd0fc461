/**
 * The page loop of a save: each upstream page is kept gzipped under raw/ and appended to every data
 * file's sink in the staging directory. At most one page is held in memory and one raw write in flight.
 */
import { join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { LakeError } from "./errors.ts";
import { CsvSink, JsonSink, ParquetSink, type Sink } from "./sinks.ts";
import type { BlobStore } from "./store.ts";
import type { DataFormat, DatasetSource, ManifestColumn, SaveOptions, SourcePage } from "./types.ts";

const gzipAsync = promisify(gzip);

export interface PagesPlan {
  statsDataId: string;
  datasetId: string;
  formats: DataFormat[];
  columns: ManifestColumn[];
  /** raw/estat/<statsDataId>/<fetchId> */
  rawPrefix: string;
  staging: string;
}

/**
 * Rejects as soon as the signal aborts, so a save does not wait for a slow upstream page. `p` is
 * observed before anything else happens: a page that rejects after the abort (its fetch was cancelled
 * too) must not become an unhandled rejection, which would end the process.
 */
export function raceAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
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

async function openSinks(src: DatasetSource, plan: PagesPlan, opts: SaveOptions): Promise<Map<DataFormat, Sink>> {
  const sinks = new Map<DataFormat, Sink>();
  const names = plan.columns.map((c) => c.name);
  const kv = {
    "estat.statsDataId": plan.statsDataId,
    "estat.title": src.title,
    "estat.updatedDate": src.updatedDate ?? "",
  };
  try {
    const parquet = join(plan.staging, "data.parquet");
    sinks.set("parquet", await ParquetSink.create(parquet, plan.columns, kv, opts.rowGroupRows));
    if (plan.formats.includes("csv")) sinks.set("csv", await CsvSink.create(join(plan.staging, "data.csv"), names));
    if (plan.formats.includes("json")) sinks.set("json", await JsonSink.create(join(plan.staging, "data.json"), names));
    return sinks;
  } catch (err) {
    for (const sink of sinks.values()) await sink.abort();
    throw err;
  }
}

/**
 * Writes every page; `written` receives each raw key before it is written (the caller deletes them if
 * the save fails). Returns the rows and pages seen, with the data files finished in the staging folder.
 */
export async function writePages(
  store: BlobStore,
  src: DatasetSource,
  plan: PagesPlan,
  opts: SaveOptions,
  written: string[],
): Promise<{ rows: number; pages: number }> {
  const sinks = await openSinks(src, plan, opts);
  const pages = src.pages[Symbol.asyncIterator]();
  let page = 0;
  let rows = 0;
  let exhausted = false;
  /** The previous page's raw write, finished before the next page's is started and before any cleanup. */
  let rawPending: Promise<void> | undefined;
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
      const rawKey = `${plan.rawPrefix}/page-${page}.json.gz`;
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
    opts.signal?.throwIfAborted();
    if (rows !== src.totalNumber) {
      throw new LakeError(
        `e-Stat announced ${src.totalNumber} rows for ${plan.datasetId} but the pages held ${rows}; nothing was saved. Retry the save.`,
        409,
      );
    }
    for (const sink of sinks.values()) await sink.finish();
    sinks.clear();
    return { rows, pages: page };
  } catch (err) {
    for (const sink of sinks.values()) await sink.abort();
    await rawPending?.catch(() => {});
    throw err;
  } finally {
    // Leaving early (abort, a failed write): let the upstream iterator run its cleanup (e.g. end its fetch).
    if (!exhausted) void pages.return?.()?.catch(() => {});
  }
}

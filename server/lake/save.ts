/**
 * Saving a dataset, in four steps: open (a staging folder, one writer per dataset on this instance,
 * the quota) -> write pages (raw/…/page-N.json.gz and the data files' sinks) -> publish (files under
 * a fresh version key `datasets/estat/<id>/<variant>/<fetchId>/`) -> commit (manifest.json by
 * compare-and-swap, the replaced version retired). Until the commit readers see the previous
 * version; a failure removes what this save wrote.
 */
import { rm } from "node:fs/promises";
import { commitManifest } from "./commit.ts";
import { LakeError, storeError } from "./errors.ts";
import { checkStatsDataId, datasetPrefix, newFetchId, normaliseFilters, rawPrefix, variantOf } from "./ids.ts";
import { publishFiles } from "./publish.ts";
import { checkQuota, type Quota } from "./quota.ts";
import { columnsOf } from "./save-meta.ts";
import type { BlobStore } from "./store.ts";
import type { DataFormat, DatasetSource, Manifest, SaveOptions } from "./types.ts";
import { raceAbort, writePages } from "./write-pages.ts";

export { CONTENT_TYPES, columnsOf } from "./save-meta.ts";
export { readManifest, versionKeys } from "./manifest.ts";

export interface SavePolicy extends Quota {
  retireGraceMs: number;
  locks: WriterLocks;
}

/**
 * One save at a time per dataset on this instance: a second waits for the first (or its own cancel)
 * instead of fetching the same table beside it. Across instances the commit's compare-and-swap keeps
 * the manifest consistent.
 */
export class WriterLocks {
  #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = previous.then(() => new Promise<void>((r) => (release = r)));
    this.#tails.set(key, tail);
    let mine = false;
    try {
      await raceAbort(previous, signal);
      mine = true;
      return await fn();
    } finally {
      // Aborted while waiting: `release` exists only once `previous` settled, so hand over when it does.
      if (mine) release();
      else void previous.then(() => release());
      void tail.then(() => {
        if (this.#tails.get(key) === tail) this.#tails.delete(key);
      });
    }
  }
}

export async function saveDataset(
  store: BlobStore,
  src: DatasetSource,
  opts: SaveOptions,
  policy: SavePolicy,
): Promise<Manifest> {
  const statsDataId = checkStatsDataId(src.statsDataId);
  const filters = normaliseFilters(src.filters);
  const variant = variantOf(filters);
  const datasetId = `${statsDataId}/${variant}`;
  return policy.locks.run(datasetId, opts.signal, async () => {
    await checkQuota(store, datasetId, policy);
    const formats: DataFormat[] = ["parquet", ...(["csv", "json"] as const).filter((f) => opts.formats.includes(f))];
    const columns = columnsOf(src.dimensions);
    const fetchedAt = new Date();
    const fetchId = newFetchId(fetchedAt);
    const raw = rawPrefix(statsDataId, fetchId);
    const versionPrefix = `${datasetPrefix(statsDataId, variant)}/${fetchId}`;
    /** Every key this save wrote or started to write: deleted if it fails. */
    const written: string[] = [];
    const staging = await store.stagingDir();
    try {
      const plan = { statsDataId, datasetId, formats, columns, filters, rawPrefix: raw, staging, versionPrefix };
      const { rows, pages } = await writePages(store, src, plan, opts, written);
      const files = await publishFiles(store, src, plan, written);
      opts.signal?.throwIfAborted();
      return await commitManifest(
        store,
        {
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
          raw: { prefix: raw, pages },
        },
        policy.retireGraceMs,
      );
    } catch (err) {
      await store.delete(written).catch(() => {});
      throw saveFailure(err, store, datasetId, opts.signal);
    } finally {
      await rm(staging, { recursive: true, force: true }).catch(() => {});
    }
  });
}

function saveFailure(err: unknown, store: BlobStore, datasetId: string, signal?: AbortSignal): unknown {
  if (signal?.aborted) {
    return new LakeError(`Saving ${datasetId} was cancelled; nothing was saved.`, 499, { cause: err });
  }
  if (err instanceof LakeError) return err;
  // Local staging failures (disk full, permissions) carry a syscall; upstream errors pass through as they are.
  if ((err as { syscall?: string })?.syscall) return storeError(err, store.describe(), `save ${datasetId}`);
  return err;
}

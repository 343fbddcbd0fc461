/**
 * Files no manifest will ever reference: a save whose process died before it committed or cleaned up.
 * They are recognised by their fetchId (the save's start time) being older than `abandonedAfterMs`, far
 * beyond any save still running, and not named by the current or a retired version of their dataset.
 */
import { fetchIdTime, readManifest, versionKeys } from "./manifest.ts";
import type { BlobStore } from "./store.ts";

/** Sweeps one table's folders (every variant's data and the shared raw pages). Best effort. */
export async function sweepAbandoned(store: BlobStore, statsDataId: string, abandonedAfterMs: number): Promise<void> {
  const dataPrefix = `datasets/estat/${statsDataId}/`;
  const rawPrefix = `raw/estat/${statsDataId}/`;
  const [dataKeys, rawKeys] = await Promise.all([store.list(dataPrefix), store.list(rawPrefix)]);
  const referenced = new Set<string>();
  for (const key of dataKeys.filter((k) => /^[^/]+\/manifest\.json$/.test(k.slice(dataPrefix.length)))) {
    const m = await readManifest(store, key);
    if (!m) continue;
    referenced.add(key);
    for (const k of versionKeys(m)) referenced.add(k);
    for (const r of m.retired ?? []) for (const k of r.keys) referenced.add(k);
  }
  const horizon = Date.now() - abandonedAfterMs;
  const abandoned = (key: string, fetchIdAt: number) => {
    if (referenced.has(key)) return false;
    const fetchId = key.split("/")[fetchIdAt] ?? "";
    return fetchIdTime(fetchId) < horizon;
  };
  // datasets/estat/<id>/<variant>/<fetchId>/…  and  raw/estat/<id>/<fetchId>/page-N.json.gz
  const doomed = [...dataKeys.filter((k) => abandoned(k, 4)), ...rawKeys.filter((k) => abandoned(k, 3))];
  if (doomed.length > 0) await store.delete(doomed);
}

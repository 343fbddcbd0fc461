/**
 * The lake's quota: at most `maxDatasets` manifests and `maxBytes` stored bytes per lake (and so per
 * instance group sharing it). Checked before a save fetches anything; a refresh of a stored dataset
 * does not count as a new one. Two new saves racing at the limit can both pass: the bound is soft by
 * at most the number of concurrent saves.
 */
import { LakeError } from "./errors.ts";
import type { BlobStore } from "./store.ts";

const MANIFEST = /^datasets\/estat\/([^/]+)\/([^/]+)\/manifest\.json$/;
const DATA = /^datasets\/estat\/([^/]+)\/([^/]+)\/([^/]+)\//;
const MB = 1024 * 1024;

export interface Quota {
  maxDatasets?: number;
  maxBytes?: number;
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

export async function checkQuota(store: BlobStore, datasetId: string, quota: Quota): Promise<void> {
  if (!quota.maxDatasets && !quota.maxBytes) return;
  const objects = await store.listSized("");
  const datasets = new Map<string, { latest: string; bytes: number }>();
  for (const o of objects) {
    const m = MANIFEST.exec(o.key);
    if (m) datasets.set(`${m[1]}/${m[2]}`, datasets.get(`${m[1]}/${m[2]}`) ?? { latest: "", bytes: 0 });
  }
  let total = 0;
  for (const o of objects) {
    total += o.bytes;
    const d = DATA.exec(o.key);
    const entry = d && datasets.get(`${d[1]}/${d[2]}`);
    if (entry) {
      entry.bytes += o.bytes;
      if (d[3] > entry.latest) entry.latest = d[3];
    }
  }
  const ids = [...datasets.keys()];
  if (quota.maxDatasets && !datasets.has(datasetId) && datasets.size >= quota.maxDatasets) {
    const oldest = ids.sort((a, b) => (datasets.get(a)!.latest < datasets.get(b)!.latest ? -1 : 1)).slice(0, 3);
    throw new LakeError(
      `The data lake holds ${datasets.size} datasets, its limit (LAKE_MAX_DATASETS=${quota.maxDatasets}); ` +
        `${datasetId} would be a new one. Refresh a stored dataset instead (list them with list_datasets), or ask ` +
        `the operator to delete datasets no longer needed (the least recently saved: ${oldest.join(", ")}; each is ` +
        "the folder datasets/estat/<statsDataId>/<variant>/ of the lake) or to raise LAKE_MAX_DATASETS.",
      507,
    );
  }
  if (quota.maxBytes && total >= quota.maxBytes) {
    const largest = ids.sort((a, b) => datasets.get(b)!.bytes - datasets.get(a)!.bytes).slice(0, 3);
    throw new LakeError(
      `The data lake holds ${mb(total)}, at its limit (LAKE_MAX_MB=${quota.maxBytes / MB}); nothing new can be ` +
        `saved. Query the stored datasets (list_datasets), or ask the operator to delete datasets no longer ` +
        `needed (the largest: ${largest.map((id) => `${id} ${mb(datasets.get(id)!.bytes)}`).join(", ")}; each is ` +
        "the folder datasets/estat/<statsDataId>/<variant>/ of the lake) or to raise LAKE_MAX_MB.",
      507,
    );
  }
}

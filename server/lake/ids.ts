/** Dataset identity: `<statsDataId>/<variant>`, where the variant is derived from the filters alone. */
import { createHash, randomBytes } from "node:crypto";
import { LakeError } from "./errors.ts";

const STATS_DATA_ID = /^[0-9A-Za-z_-]{1,64}$/;
const VARIANT = /^(all|[0-9a-f]{12})$/;

/** Sorted keys, sorted unique trimmed codes, empty lists dropped: equal filters give equal JSON. */
export function normaliseFilters(filters: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of Object.keys(filters).sort()) {
    const codes = [
      ...new Set((filters[key] ?? []).map((c) => String(c).trim()).filter((c) => c !== "")),
    ].sort();
    if (codes.length) out[key.trim()] = codes;
  }
  return out;
}

/** "all" for no filters, else the first 12 hex digits of sha256(normalised filters as JSON). */
export function variantOf(filters: Record<string, string[]>): string {
  const norm = normaliseFilters(filters);
  if (Object.keys(norm).length === 0) return "all";
  return createHash("sha256").update(JSON.stringify(norm)).digest("hex").slice(0, 12);
}

export function checkStatsDataId(statsDataId: string): string {
  if (!STATS_DATA_ID.test(statsDataId)) {
    throw new LakeError(`Invalid statsDataId "${statsDataId}": expected letters, digits, "_" or "-".`, 400);
  }
  return statsDataId;
}

export function datasetIdOf(statsDataId: string, filters: Record<string, string[]>): string {
  return `${checkStatsDataId(statsDataId)}/${variantOf(filters)}`;
}

export function parseDatasetId(datasetId: string): { statsDataId: string; variant: string } {
  const [statsDataId, variant, ...rest] = String(datasetId).split("/");
  if (rest.length || !statsDataId || !variant || !STATS_DATA_ID.test(statsDataId) || !VARIANT.test(variant)) {
    throw new LakeError(
      `Invalid datasetId "${datasetId}": expected "<statsDataId>/<variant>" such as "0003445078/all". List them with list_datasets.`,
      400,
    );
  }
  return { statsDataId, variant };
}

/** Sortable and unique: 20261124T063650123Z-1a2b3c. */
export function newFetchId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, "");
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

export const datasetPrefix = (statsDataId: string, variant: string) =>
  `datasets/estat/${statsDataId}/${variant}`;
export const manifestKey = (statsDataId: string, variant: string) =>
  `${datasetPrefix(statsDataId, variant)}/manifest.json`;
export const rawPrefix = (statsDataId: string, fetchId: string) => `raw/estat/${statsDataId}/${fetchId}`;

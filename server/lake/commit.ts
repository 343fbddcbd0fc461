/**
 * The commit of a save, and what follows it: `manifest.json` is replaced by compare-and-swap (S3
 * conditional writes, a lock file on the filesystem), so that of two writers of one dataset (other
 * instances, other processes) the later sees the earlier's version and retires it instead of
 * overwriting it blind, which left complete versions that no manifest referenced. A replaced version
 * stays readable for the grace period (readers that read the old manifest finish), then is deleted.
 */
import { LakeError } from "./errors.ts";
import { manifestKey } from "./ids.ts";
import { encodeManifest, readTaggedManifest, versionKeys } from "./manifest.ts";
import type { BlobStore } from "./store.ts";
import type { Manifest, RetiredVersion } from "./types.ts";

const ATTEMPTS = 5;

function split(retired: RetiredVersion[], graceMs: number, now: number) {
  const expired = retired.filter((r) => Date.parse(r.retiredAt) + graceMs <= now);
  return { keep: retired.filter((r) => !expired.includes(r)), expired };
}

function withRetired(m: Manifest, retired: RetiredVersion[]): Manifest {
  const { retired: _, ...rest } = m;
  return retired.length > 0 ? { ...rest, retired } : rest;
}

async function deleteRetired(store: BlobStore, expired: RetiredVersion[]): Promise<void> {
  // Best effort: what is left is found again by the sweep of abandoned files (gc.ts).
  await store.delete(expired.flatMap((r) => r.keys)).catch(() => {});
}

/** Makes `m` the current version of its dataset; returns it as written (with what it retired). */
export async function commitManifest(store: BlobStore, m: Manifest, graceMs: number): Promise<Manifest> {
  const key = manifestKey(m.statsDataId, m.variant);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const { manifest: previous, tag } = await readTaggedManifest(store, key);
    const now = Date.now();
    const retired = [...(previous?.retired ?? [])];
    if (previous && previous.fetchId !== m.fetchId) {
      retired.push({ fetchId: previous.fetchId, retiredAt: new Date(now).toISOString(), keys: versionKeys(previous) });
    }
    const { keep, expired } = split(retired, graceMs, now);
    const next = withRetired(m, keep);
    // The commit point: before this write readers see the previous version, after it this one.
    if (await store.putIfMatch(key, encodeManifest(next), "application/json", tag)) {
      await deleteRetired(store, expired);
      return next;
    }
  }
  throw new LakeError(`Other saves of ${m.datasetId} kept replacing it while this one committed; nothing was saved. Retry.`, 409);
}

/** Deletes the retired versions of one dataset whose grace has passed (run by a timer after a commit). */
export async function collectRetired(store: BlobStore, statsDataId: string, variant: string, graceMs: number) {
  const key = manifestKey(statsDataId, variant);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const { manifest, tag } = await readTaggedManifest(store, key);
    if (!manifest?.retired?.length) return;
    const { keep, expired } = split(manifest.retired, graceMs, Date.now());
    if (expired.length === 0) return;
    if (await store.putIfMatch(key, encodeManifest(withRetired(manifest, keep)), "application/json", tag)) {
      await deleteRetired(store, expired);
      return;
    }
  }
}

/** Reading and writing `manifest.json`, the commit point of a dataset version. */
import { LakeError } from "./errors.ts";
import type { BlobStore } from "./store.ts";
import type { Manifest } from "./types.ts";

function parse(store: BlobStore, key: string, bytes: Uint8Array): Manifest {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as Manifest;
  } catch (err) {
    throw new LakeError(`The manifest ${key} in ${store.describe()} is not valid JSON; save the dataset again.`, 500, {
      cause: err,
    });
  }
}

export async function readManifest(store: BlobStore, key: string): Promise<Manifest | undefined> {
  const bytes = await store.getBytes(key);
  return bytes && parse(store, key, bytes);
}

/** The manifest and the tag a conditional write must match to replace it. */
export async function readTaggedManifest(
  store: BlobStore,
  key: string,
): Promise<{ manifest?: Manifest; tag?: string }> {
  const r = await store.getTagged(key);
  return r ? { manifest: parse(store, key, r.bytes), tag: r.tag } : {};
}

export const encodeManifest = (m: Manifest) => new TextEncoder().encode(`${JSON.stringify(m, null, 2)}\n`);

/** Every key a committed version owns: its files and its raw pages. */
export function versionKeys(m: Manifest): string[] {
  const raw = Array.from({ length: m.raw.pages }, (_, i) => `${m.raw.prefix}/page-${i + 1}.json.gz`);
  return [...m.files.map((f) => f.key), ...raw];
}

/** When a save began, from its fetchId (20261124T063650123Z-1a2b3c); NaN if it is not one. */
export function fetchIdTime(fetchId: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-[0-9a-f]{6}$/.exec(fetchId);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]) : Number.NaN;
}

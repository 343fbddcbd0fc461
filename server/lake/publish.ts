/** Moves a save's finished files from its staging folder to their version keys in the store. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CONTENT_TYPES, metaCsv, metaJson } from "./save-meta.ts";
import { hashFile } from "./sinks.ts";
import type { BlobStore } from "./store.ts";
import type { DataFormat, DatasetSource, ManifestColumn, ManifestFile } from "./types.ts";

export async function publishFiles(
  store: BlobStore,
  src: DatasetSource,
  plan: { staging: string; versionPrefix: string; formats: DataFormat[]; filters: Record<string, string[]>; columns: ManifestColumn[] },
  written: string[],
): Promise<ManifestFile[]> {
  const { staging } = plan;
  await writeFile(join(staging, "meta.json"), metaJson(src, plan.filters, plan.columns));
  await writeFile(join(staging, "meta.csv"), metaCsv(src.dimensions));
  const files: ManifestFile[] = [];
  const toPublish: [string, DataFormat, "data" | "meta"][] = [
    ...plan.formats.map((f): [string, DataFormat, "data"] => [`data.${f}`, f, "data"]),
    ["meta.json", "json", "meta"],
    ["meta.csv", "csv", "meta"],
  ];
  for (const [name, format, role] of toPublish) {
    const local = join(staging, name);
    const { bytes, sha256 } = await hashFile(local);
    // The Parquet file sits alone in its folder, so Athena/Glue can use that folder as a table LOCATION.
    const key = format === "parquet" ? `${plan.versionPrefix}/parquet/${name}` : `${plan.versionPrefix}/${name}`;
    written.push(key);
    await store.putFile(key, local, CONTENT_TYPES[format]);
    files.push({ name, format, role, key, uri: store.uri(key), bytes, sha256 });
  }
  return files;
}

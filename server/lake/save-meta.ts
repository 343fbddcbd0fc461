/** What a save writes beside the data: the columns of a table, meta.json and meta.csv. */
import { LakeError } from "./errors.ts";
import type { DatasetSource, DimensionMeta, ManifestColumn } from "./types.ts";

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

export function metaJson(src: DatasetSource, filters: Record<string, string[]>, columns: ManifestColumn[]): string {
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

export function metaCsv(dimensions: DimensionMeta[]): string {
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

/**
 * Normalisation of e-Stat's JSON into the shapes our tools return. Every quirk the API has lives here:
 * single elements as objects, text as string or {"$"}, symbols instead of numbers, missing lists.
 */
import { EstatError } from "./errors.ts";
import type { RawClassObj, RawStatsDataBody, RawTableInf } from "./schemas.ts";

export type Row = Record<string, string | number | null>;

export interface StatsTable {
  id: string;
  title: string;
  statName: string;
  govOrg: string;
  surveyDate: string;
  openDate: string;
  cycle: string;
  collectArea: string;
  mainCategory: string;
  subCategory: string;
  totalNumber: number;
  updatedDate: string;
}

export interface ClassInfo {
  code: string;
  name: string;
  level: string;
  unit?: string;
  parentCode?: string;
}

export interface Dimension {
  id: string;
  name: string;
  classes: ClassInfo[];
}

export function toArray<T>(x: T | T[] | undefined | null): T[] {
  if (x === undefined || x === null) return [];
  return Array.isArray(x) ? x : [x];
}

/** e-Stat text is a string, a number, or an object whose "$" holds the text. */
export function text(x: unknown): string {
  if (x === undefined || x === null) return "";
  if (typeof x === "string") return x;
  if (typeof x === "number") return String(x);
  if (typeof x === "object" && "$" in (x as Record<string, unknown>))
    return text((x as Record<string, unknown>).$);
  return "";
}

export function table(t: RawTableInf): StatsTable {
  const title = text(t.TITLE) || text(t.STATISTICS_NAME);
  return {
    id: t["@id"],
    title,
    statName: text(t.STAT_NAME),
    govOrg: text(t.GOV_ORG),
    surveyDate: t.SURVEY_DATE === 0 || t.SURVEY_DATE === "0" ? "" : text(t.SURVEY_DATE),
    openDate: text(t.OPEN_DATE),
    cycle: text(t.CYCLE),
    collectArea: text(t.COLLECT_AREA),
    mainCategory: text(t.MAIN_CATEGORY),
    subCategory: text(t.SUB_CATEGORY),
    totalNumber: Number(t.OVERALL_TOTAL_NUMBER ?? 0) || 0,
    updatedDate: text(t.UPDATED_DATE),
  };
}

/** The same table comes back once per COLLECT_AREA; list it once with the areas joined. */
export function uniqueTables(raw: RawTableInf[]): StatsTable[] {
  const byId = new Map<string, StatsTable>();
  for (const t of raw) {
    const n = table(t);
    const seen = byId.get(n.id);
    if (!seen) {
      byId.set(n.id, n);
    } else if (n.collectArea && !seen.collectArea.split("、").includes(n.collectArea)) {
      seen.collectArea = seen.collectArea ? `${seen.collectArea}、${n.collectArea}` : n.collectArea;
    }
  }
  return [...byId.values()];
}

export function dimensions(classObjs: RawClassObj[]): Dimension[] {
  return classObjs.map((o) => ({
    id: o["@id"],
    name: o["@name"],
    classes: toArray(o.CLASS).map((c) => {
      const info: ClassInfo = {
        code: String(c["@code"]),
        name: c["@name"] ?? "",
        level: String(c["@level"] ?? ""),
      };
      if (c["@unit"]) info.unit = c["@unit"];
      if (c["@parentCode"]) info.parentCode = String(c["@parentCode"]);
      return info;
    }),
  }));
}

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** e-Stat values are strings; symbols such as "-", "X", "***" mean "no number" and become null. */
export function parseValue(raw: string): number | null {
  const s = raw.trim().replaceAll(",", "");
  return NUMERIC.test(s) ? Number(s) : null;
}

export function notes(body: RawStatsDataBody): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of toArray(body.DATA_INF?.NOTE)) out[n["@char"]] = text(n.$);
  return out;
}

/**
 * Rows of a getStatsData page: one column per dimension code, its label, unit, value and raw.
 * `dims` decides the columns and their order, so every page of a table has the same shape.
 */
export function rows(body: RawStatsDataBody, dims: Dimension[]): Row[] {
  const labels = dims.map((d) => ({
    id: d.id,
    key: `@${d.id}`,
    names: new Map(d.classes.map((c) => [c.code, c])),
  }));
  const out: Row[] = [];
  for (const v of toArray(body.DATA_INF?.VALUE)) {
    const row: Row = {};
    let unit: string | null = (v["@unit"] as string | undefined) ?? null;
    for (const l of labels) {
      const code = v[l.key];
      const c = code === undefined ? undefined : l.names.get(String(code));
      row[l.id] = code === undefined ? null : String(code);
      row[`${l.id}Name`] = c?.name ?? null;
      if (unit === null && c?.unit) unit = c.unit;
    }
    if (typeof v.$ !== "string" && typeof v.$ !== "number") {
      throw new EstatError("bad_response", "e-Stat sent a data value without a \"$\" value. Try again later.");
    }
    const raw = text(v.$);
    row.unit = unit;
    row.value = parseValue(raw);
    row.raw = raw;
    out.push(row);
  }
  return out;
}

/** Column names of the rows above, in order. */
export function rowColumns(dims: Dimension[]): string[] {
  return [...dims.flatMap((d) => [d.id, `${d.id}Name`]), "unit", "value", "raw"];
}

/** e-Stat's parameter name for a dimension id: area → cdArea, cat01 → cdCat01. */
export function dimensionParam(prefix: "cd" | "lv", id: string, suffix = ""): string {
  return `${prefix}${id.charAt(0).toUpperCase()}${id.slice(1)}${suffix}`;
}

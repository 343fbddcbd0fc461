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

/**
 * A page as column arrays (the shape of `rows()` transposed, for the data lake): in `rowColumns(dims)` order,
 * each code and label column as a dictionary (the dimension's classes) plus one index per row (-1 = null),
 * `unit` likewise, `value` in a Float64Array with NaN for null, `raw` as strings. The values are those
 * `rows()` gives, without an object per row or a string per cell.
 */
export type PageColumn =
  | { kind: "dict"; dict: string[]; idx: Int32Array }
  | { kind: "strings"; values: (string | null)[] }
  | { kind: "double"; values: Float64Array };

export function columns(body: RawStatsDataBody, dims: Dimension[]): { rows: number; columns: PageColumn[] } {
  const values = toArray(body.DATA_INF?.VALUE);
  const n = values.length;
  const out: PageColumn[] = [];
  const perDim = dims.map((d) => {
    const codes = d.classes.map((c) => c.code);
    const byCode = new Map<string, number>();
    codes.forEach((c, k) => {
      byCode.set(c, k); // the last class of a code wins, as in rows()
    });
    const names: string[] = [];
    const nameIndex = new Map<string, number>();
    const nameOf = new Int32Array(d.classes.length);
    d.classes.forEach((c, k) => {
      let j = nameIndex.get(c.name);
      if (j === undefined) {
        j = names.length;
        names.push(c.name);
        nameIndex.set(c.name, j);
      }
      nameOf[k] = j;
    });
    const codeIdx = new Int32Array(n);
    const nameIdx = new Int32Array(n);
    out.push({ kind: "dict", dict: codes, idx: codeIdx }, { kind: "dict", dict: names, idx: nameIdx });
    return { key: `@${d.id}`, byCode, codes, nameOf, units: d.classes.map((c) => c.unit || null), codeIdx, nameIdx };
  });
  const units: string[] = [];
  const unitIndex = new Map<string, number>();
  const unitIdx = new Int32Array(n);
  const value = new Float64Array(n);
  const raws = new Array<string>(n);
  out.push(
    { kind: "dict", dict: units, idx: unitIdx },
    { kind: "double", values: value },
    { kind: "strings", values: raws },
  );
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let unit: string | null = (v["@unit"] as string | undefined) ?? null;
    for (const l of perDim) {
      const code = v[l.key];
      if (code === undefined) {
        l.codeIdx[i] = -1;
        l.nameIdx[i] = -1;
        continue;
      }
      const s = String(code);
      let k = l.byCode.get(s);
      if (k === undefined) {
        // a code outside CLASS_INF: kept as a code, without a label
        k = l.codes.length;
        l.codes.push(s);
        l.byCode.set(s, k);
        l.codeIdx[i] = k;
        l.nameIdx[i] = -1;
        continue;
      }
      l.codeIdx[i] = k;
      l.nameIdx[i] = l.nameOf[k];
      if (unit === null && l.units[k]) unit = l.units[k];
    }
    if (unit === null) unitIdx[i] = -1;
    else {
      let u = unitIndex.get(unit);
      if (u === undefined) {
        u = units.length;
        units.push(unit);
        unitIndex.set(unit, u);
      }
      unitIdx[i] = u;
    }
    if (typeof v.$ !== "string" && typeof v.$ !== "number") {
      throw new EstatError("bad_response", "e-Stat sent a data value without a \"$\" value. Try again later.");
    }
    const raw = text(v.$);
    raws[i] = raw;
    const x = plainNumber(raw);
    value[i] = x === undefined ? (parseValue(raw) ?? Number.NaN) : x;
  }
  return { rows: n, columns: out };
}

/** Number(s) when s is digits with an optional sign, point and exponent only (the common case), else undefined. */
function plainNumber(s: string): number | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    // 0-9 . + - e E
    if (!((c >= 48 && c <= 57) || c === 46 || c === 43 || c === 45 || c === 101 || c === 69)) return undefined;
  }
  return NUMERIC.test(s) ? Number(s) : undefined;
}

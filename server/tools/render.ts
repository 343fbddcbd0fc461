/** Compact text for the model: a small markdown table, never raw e-Stat JSON. */
import type { Dimension } from "../estat/normalize.ts";

/** Numbers for reading: integers as they are, others to 2 decimals (3 significant digits below 1). */
export function readableNumber(v: number): string {
  if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1) return String(Math.round(v * 100) / 100);
  return String(Number(v.toPrecision(3)));
}

const cell = (v: unknown) =>
  v === null || v === undefined
    ? ""
    : (typeof v === "number" ? readableNumber(v) : String(v)).replaceAll("|", "\\|").replaceAll("\n", " ");

/**
 * Every row given, as a markdown table: callers bound the rows by their own limit (a model reading
 * only the text must see what the tool returned).
 */
export function markdownTable(columns: { key: string; label: string }[], rows: readonly object[]) {
  if (rows.length === 0) return "(no rows)";
  const head = `| ${columns.map((c) => cell(c.label)).join(" | ")} |`;
  const rule = `| ${columns.map(() => "---").join(" | ")} |`;
  const body = rows.map((r) => `| ${columns.map((c) => cell((r as Record<string, unknown>)[c.key])).join(" | ")} |`);
  return [head, rule, ...body].join("\n");
}

/** How many were shown, and exactly how to ask for the next ones. */
export function pageHint(nextPosition: number | undefined, total: number, shown: number) {
  return nextPosition
    ? `Showing ${shown} of ${total}. Next page: call again with the same arguments and startPosition=${nextPosition}.`
    : `${total} in all.`;
}

type Rec = Record<string, unknown>;

/**
 * Rows as the text shows them: a dimension's label gets its code beside it where the same label
 * stands for two codes in these rows (府中市 13206 in Tokyo and 34208 in Hiroshima), and `raw` only
 * where it says something the value does not (a symbol such as *** or X).
 */
export function rowsForText(rows: readonly Rec[], dimensionIds: readonly string[]): Rec[] {
  const ambiguous = new Map<string, Set<unknown>>();
  for (const id of dimensionIds) {
    const codeOf = new Map<unknown, unknown>();
    const names = new Set<unknown>();
    for (const r of rows) {
      const name = r[`${id}Name`];
      if (codeOf.has(name) && codeOf.get(name) !== r[id]) names.add(name);
      codeOf.set(name, r[id]);
    }
    if (names.size > 0) ambiguous.set(id, names);
  }
  return rows.map((r) => {
    const out: Rec = { ...r };
    for (const [id, names] of ambiguous) {
      if (names.has(r[`${id}Name`])) out[`${id}Name`] = `${String(r[`${id}Name`] ?? "")} (${String(r[id] ?? "")})`;
    }
    if (typeof r.raw === "string" && typeof r.value === "number" && Number(r.raw) === r.value) out.raw = "";
    return out;
  });
}

/** Whether any row keeps a `raw` that differs from its value (else the text drops the column). */
export const rawSaysMore = (rows: readonly Rec[]) => rows.some((r) => r.raw !== null && r.raw !== undefined && r.raw !== "");

/** A class as the model reads it: `code name [unit]`. */
export const classText = (c: Dimension["classes"][number]) => `${c.code} ${c.name}${c.unit ? ` [${c.unit}]` : ""}`;

/** "cat01=0 (総数), area=13000 (東京都)": a stored dataset's filters with their labels where known. */
export function filtersText(filters: Record<string, string[]>, dimensions: readonly Dimension[] = []): string {
  const parts = Object.entries(filters).map(([key, codes]) => {
    const dim = dimensions.find((d) => d.id === key);
    const label = (code: string) => {
      const name = dim?.classes.find((c) => c.code === code)?.name;
      return name ? `${code} (${name})` : code;
    };
    return `${key}=${codes.map(label).join(",")}`;
  });
  return parts.length > 0 ? parts.join("; ") : "whole table";
}

export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export const STALE_NOTE = "Note: e-Stat is not answering; this is cached data (stale: true).";

/**
 * Column chunks for the lake's two physical types, encoded straight from column arrays: dictionary-encoded
 * UTF-8 strings (codes, labels, units: a few hundred distinct values over 100,000 rows), plain UTF-8 strings
 * (`raw`, nearly all distinct) and plain nullable DOUBLE. One data page (v2) per chunk, SNAPPY-compressed, the
 * same layout hyparquet-writer's generic path writes, without its per-value conversions (a TextEncoder call,
 * a Map lookup and a comparison per value), which made Parquet encoding twice the cost of parsing the JSON.
 *
 * One module per column kind: chunk-double.ts, chunk-strings.ts (PLAIN and dictionary), over the page and
 * metadata writers they share (chunk-page.ts).
 */
import type { ColumnChunk, SchemaElement } from "hyparquet";
import type { Writer } from "hyparquet-writer/src/types.js";
import { writeDoubleChunk } from "./chunk-double.ts";
import { writeDictChunk, writePlainStringsChunk } from "./chunk-strings.ts";
import type { ColumnarPage, PageColumn } from "./types.ts";

export { compareUtf8 } from "./chunk-page.ts";

/** Appends one column chunk of `col` to `w`; `stats` adds min/max/null_count. */
export function writeChunk(w: Writer, element: SchemaElement, col: PageColumn, stats: boolean): ColumnChunk {
  switch (col.kind) {
    case "double":
      return writeDoubleChunk(w, element, col.values, stats);
    case "strings":
      return writePlainStringsChunk(w, element, col.values, stats);
    case "dict":
      return writeDictChunk(w, element, col.dict, col.idx, stats);
  }
}

/** Column arrays of rows (the rows path): strings dictionary-encoded when they repeat, values NaN for null. */
export function columnarOf(data: (string | number | null)[][], types: ("string" | "double")[], n: number): ColumnarPage {
  const columns: PageColumn[] = data.map((values, j) => {
    if (types[j] === "double") {
      const f = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const x = values[i];
        f[i] = x === null || x === undefined ? Number.NaN : Number(x);
      }
      return { kind: "double", values: f };
    }
    const index = new Map<string, number>();
    const dict: string[] = [];
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const x = values[i];
      if (x === null || x === undefined) {
        idx[i] = -1;
        continue;
      }
      const s = typeof x === "string" ? x : String(x);
      let k = index.get(s);
      if (k === undefined) {
        k = dict.length;
        dict.push(s);
        index.set(s, k);
      }
      idx[i] = k;
    }
    // nearly all distinct (raw values): PLAIN is smaller than a dictionary
    if (dict.length * 2 > n) {
      return { kind: "strings", values: Array.from(idx, (k) => (k < 0 ? null : dict[k])) };
    }
    return { kind: "dict", dict, idx };
  });
  return { rows: n, columns };
}

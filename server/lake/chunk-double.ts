/** A nullable DOUBLE column chunk (`value`): PLAIN, NaN in the input is null. */
import type { ColumnChunk, SchemaElement, Statistics } from "hyparquet";
import type { Writer } from "hyparquet-writer/src/types.js";
import { chunkMeta, writeDataPage } from "./chunk-page.ts";

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function writeDoubleChunk(w: Writer, element: SchemaElement, v: Float64Array, stats: boolean): ColumnChunk {
  const offsetStart = w.offset;
  const n = v.length;
  let nulls = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (x !== x) nulls++;
    else {
      if (x < min) min = x;
      if (x > max) max = x;
    }
  }
  const dense = nulls === 0 ? v : new Float64Array(n - nulls);
  if (nulls) {
    let k = 0;
    for (let i = 0; i < n; i++) if (v[i] === v[i]) dense[k++] = v[i];
  }
  let bytes: Uint8Array;
  if (LITTLE_ENDIAN) bytes = new Uint8Array(dense.buffer, dense.byteOffset, dense.byteLength);
  else {
    bytes = new Uint8Array(dense.length * 8);
    const dv = new DataView(bytes.buffer);
    for (let i = 0; i < dense.length; i++) dv.setFloat64(i * 8, dense[i], true);
  }
  const dataPageOffset = w.offset;
  const size = writeDataPage(w, n, nulls, (i) => v[i] !== v[i], bytes, "PLAIN");
  const some = nulls < n;
  return chunkMeta(element, w, offsetStart, dataPageOffset, undefined, n, size, ["PLAIN"], "PLAIN",
    stats
      ? ({
          null_count: BigInt(nulls),
          nan_count: 0n,
          // Parquet: a zero minimum is written as -0, a zero maximum as +0
          min_value: some ? (min === 0 ? -0 : min) : undefined,
          max_value: some ? (max === 0 ? 0 : max) : undefined,
        } as Statistics)
      : undefined,
  );
}

/**
 * UTF-8 string column chunks: PLAIN (`raw`, nearly all distinct) and dictionary-encoded (codes, labels,
 * units: a few hundred distinct values over 100,000 rows), with min/max in UTF-8 byte order.
 */
import type { ColumnChunk, SchemaElement } from "hyparquet";
import { ByteWriter } from "hyparquet-writer";
import { writePageHeader } from "hyparquet-writer/src/datapage.js";
import { writeRleBitPackedHybrid } from "hyparquet-writer/src/encoding.js";
import { snappyCompress } from "hyparquet-writer/src/snappy.js";
import type { Writer } from "hyparquet-writer/src/types.js";
import { Bytes, chunkMeta, compareUtf8, writeDataPage } from "./chunk-page.ts";

export function writePlainStringsChunk(
  w: Writer,
  element: SchemaElement,
  v: (string | null)[],
  stats: boolean,
): ColumnChunk {
  const offsetStart = w.offset;
  const n = v.length;
  const out = new Bytes();
  let nulls = 0;
  let min: string | undefined;
  let max: string | undefined;
  for (let i = 0; i < n; i++) {
    const s = v[i];
    if (s === null) {
      nulls++;
      continue;
    }
    out.str(s);
    if (stats) {
      if (min === undefined || compareUtf8(s, min) < 0) min = s;
      if (max === undefined || compareUtf8(s, max) > 0) max = s;
    }
  }
  const dataPageOffset = w.offset;
  const size = writeDataPage(w, n, nulls, (i) => v[i] === null, out.bytes(), "PLAIN");
  return chunkMeta(element, w, offsetStart, dataPageOffset, undefined, n, size, ["PLAIN"], "PLAIN",
    stats ? { null_count: BigInt(nulls), min_value: min, max_value: max } : undefined,
  );
}

/** `idx[i]` indexes `dict`, -1 is null. */
export function writeDictChunk(
  w: Writer,
  element: SchemaElement,
  dict: string[],
  idx: Int32Array,
  stats: boolean,
): ColumnChunk {
  if (dict.length === 0) return writePlainStringsChunk(w, element, new Array<null>(idx.length).fill(null), stats);
  const offsetStart = w.offset;
  const n = idx.length;
  const used = new Uint8Array(dict.length);
  let nulls = 0;
  let maxIndex = 0;
  for (let i = 0; i < n; i++) {
    const k = idx[i];
    if (k < 0) nulls++;
    else {
      used[k] = 1;
      if (k > maxIndex) maxIndex = k;
    }
  }
  const dense = nulls === 0 ? idx : new Int32Array(n - nulls);
  if (nulls) {
    let j = 0;
    for (let i = 0; i < n; i++) if (idx[i] >= 0) dense[j++] = idx[i];
  }
  // dictionary page: the entries up to the largest one used, PLAIN
  const entries = new Bytes();
  let min: string | undefined;
  let max: string | undefined;
  for (let k = 0; k <= maxIndex && k < dict.length; k++) {
    entries.str(dict[k]);
    if (stats && used[k]) {
      if (min === undefined || compareUtf8(dict[k], min) < 0) min = dict[k];
      if (max === undefined || compareUtf8(dict[k], max) > 0) max = dict[k];
    }
  }
  const dictCount = Math.min(maxIndex + 1, dict.length);
  const dictBytes = entries.bytes();
  const dictCompressed = snappyCompress(dictBytes);
  const dictionaryPageOffset = w.offset;
  const h0 = w.offset;
  writePageHeader(w, {
    type: "DICTIONARY_PAGE",
    uncompressed_page_size: dictBytes.byteLength,
    compressed_page_size: dictCompressed.byteLength,
    dictionary_page_header: { num_values: dictCount, encoding: "PLAIN" },
  });
  const dictSize = w.offset - h0 + dictBytes.byteLength;
  w.appendBytes(dictCompressed);
  // data page: bit width byte + RLE/bit-packed indexes of the non-null values
  const bitWidth = Math.ceil(Math.log2(maxIndex + 1));
  const page = new ByteWriter();
  page.appendUint8(bitWidth);
  writeRleBitPackedHybrid(page, dense, bitWidth);
  const dataPageOffset = w.offset;
  const size = writeDataPage(w, n, nulls, (i) => idx[i] < 0, page.getBytes(), "RLE_DICTIONARY");
  return chunkMeta(element, w, offsetStart, dataPageOffset, dictionaryPageOffset, n, dictSize + size,
    ["PLAIN", "RLE_DICTIONARY"], "RLE_DICTIONARY",
    stats ? { null_count: BigInt(nulls), min_value: min, max_value: max } : undefined,
  );
}

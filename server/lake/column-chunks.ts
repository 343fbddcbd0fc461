/**
 * Column chunks for the lake's two physical types, encoded straight from column arrays: dictionary-encoded
 * UTF-8 strings (codes, labels, units: a few hundred distinct values over 100,000 rows), plain UTF-8 strings
 * (`raw`, nearly all distinct) and plain nullable DOUBLE. One data page (v2) per chunk, SNAPPY-compressed, the
 * same layout hyparquet-writer's generic path writes, without its per-value conversions (a TextEncoder call,
 * a Map lookup and a comparison per value), which made Parquet encoding twice the cost of parsing the JSON.
 */
import type { ColumnChunk, Encoding, SchemaElement, Statistics } from "hyparquet";
import { ByteWriter } from "hyparquet-writer";
import { writePageHeader } from "hyparquet-writer/src/datapage.js";
import { writeRleBitPackedHybrid } from "hyparquet-writer/src/encoding.js";
import { snappyCompress } from "hyparquet-writer/src/snappy.js";
import type { Writer } from "hyparquet-writer/src/types.js";
import type { ColumnarPage, PageColumn } from "./types.ts";

const ENCODER = new TextEncoder();
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A growable byte buffer (one per column chunk being built). */
class Bytes {
  buf = new Uint8Array(1 << 16);
  len = 0;
  ensure(extra: number) {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  u32(v: number) {
    this.ensure(4);
    const b = this.buf;
    b[this.len++] = v & 0xff;
    b[this.len++] = (v >>> 8) & 0xff;
    b[this.len++] = (v >>> 16) & 0xff;
    b[this.len++] = (v >>> 24) & 0xff;
  }
  /** PLAIN BYTE_ARRAY: 4-byte length + UTF-8 bytes; ASCII is copied char by char, anything else encoded. */
  str(s: string) {
    const n = s.length;
    this.ensure(4 + 3 * n);
    const b = this.buf;
    const at = this.len;
    let o = at + 4;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      b[o++] = c;
    }
    if (i < n) o += ENCODER.encodeInto(s.slice(i), b.subarray(o)).written;
    const len = o - at - 4;
    b[at] = len & 0xff;
    b[at + 1] = (len >>> 8) & 0xff;
    b[at + 2] = (len >>> 16) & 0xff;
    b[at + 3] = (len >>> 24) & 0xff;
    this.len = o;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** Definition levels (bit width 1) as the RLE/bit-packed hybrid, into `w`; returns the byte length. */
function writeDefinitionLevels(w: Writer, n: number, isNull: (i: number) => boolean, nulls: number): number {
  if (nulls === 0) {
    // one RLE run of n ones
    const start = w.offset;
    w.appendVarInt(n << 1);
    w.appendUint8(1);
    return w.offset - start;
  }
  const levels = new Uint8Array(n);
  for (let i = 0; i < n; i++) levels[i] = isNull(i) ? 0 : 1;
  return writeRleBitPackedHybrid(w, levels, 1);
}

interface Chunk {
  chunk: ColumnChunk;
}

/** Writes one data page v2 (levels uncompressed, values SNAPPY) and returns its uncompressed size. */
function writeDataPage(
  w: Writer,
  n: number,
  nulls: number,
  isNull: (i: number) => boolean,
  values: Uint8Array,
  encoding: Encoding,
): number {
  const levels = new ByteWriter();
  const defLen = writeDefinitionLevels(levels, n, isNull, nulls);
  const compressed = snappyCompress(values);
  const start = w.offset;
  writePageHeader(w, {
    type: "DATA_PAGE_V2",
    uncompressed_page_size: defLen + values.byteLength,
    compressed_page_size: defLen + compressed.byteLength,
    data_page_header_v2: {
      num_values: n,
      num_nulls: nulls,
      num_rows: n,
      encoding,
      definition_levels_byte_length: defLen,
      repetition_levels_byte_length: 0,
      is_compressed: true,
    },
  });
  const header = w.offset - start;
  w.appendBytes(levels.getBytes());
  w.appendBytes(compressed);
  return header + defLen + values.byteLength;
}

/**
 * UTF-8 byte order = code point order (what Parquet's min/max of strings use), without encoding: UTF-16 code
 * unit order except that a surrogate (a code point above U+FFFF) sorts after every other BMP character.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    return xs === ys ? x - y : xs ? 1 : -1;
  }
  return a.length - b.length;
}

function meta(
  element: SchemaElement,
  w: Writer,
  offsetStart: number,
  dataPageOffset: number,
  dictionaryPageOffset: number | undefined,
  n: number,
  uncompressed: number,
  encodings: Encoding[],
  encoding: Encoding,
  statistics: Statistics | undefined,
): Chunk {
  return {
    chunk: {
      meta_data: {
        type: element.type!,
        encodings,
        path_in_schema: [element.name],
        codec: "SNAPPY",
        num_values: BigInt(n),
        total_compressed_size: BigInt(w.offset - offsetStart),
        total_uncompressed_size: BigInt(uncompressed),
        data_page_offset: BigInt(dataPageOffset),
        dictionary_page_offset: dictionaryPageOffset === undefined ? undefined : BigInt(dictionaryPageOffset),
        statistics,
        encoding_stats: statistics
          ? [
              ...(dictionaryPageOffset === undefined
                ? []
                : [{ page_type: "DICTIONARY_PAGE" as const, encoding: "PLAIN" as const, count: 1 }]),
              { page_type: "DATA_PAGE_V2" as const, encoding, count: 1 },
            ]
          : undefined,
      },
      file_offset: BigInt(offsetStart),
    },
  };
}

/** Appends one column chunk of `col` to `w`; `stats` adds min/max/null_count. */
export function writeChunk(w: Writer, element: SchemaElement, col: PageColumn, stats: boolean): ColumnChunk {
  const offsetStart = w.offset;
  if (col.kind === "double") {
    const v = col.values;
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
    return meta(element, w, offsetStart, dataPageOffset, undefined, n, size, ["PLAIN"], "PLAIN",
      stats
        ? {
            null_count: BigInt(nulls),
            nan_count: 0n,
            // Parquet: a zero minimum is written as -0, a zero maximum as +0
            min_value: some ? (min === 0 ? -0 : min) : undefined,
            max_value: some ? (max === 0 ? 0 : max) : undefined,
          } as Statistics
        : undefined,
    ).chunk;
  }
  if (col.kind === "strings") {
    const v = col.values;
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
    return meta(element, w, offsetStart, dataPageOffset, undefined, n, size, ["PLAIN"], "PLAIN",
      stats ? { null_count: BigInt(nulls), min_value: min, max_value: max } : undefined,
    ).chunk;
  }
  // dictionary: idx[i] indexes col.dict, -1 is null
  const idx = col.idx;
  if (col.dict.length === 0) {
    return writeChunk(w, element, { kind: "strings", values: new Array<null>(idx.length).fill(null) }, stats);
  }
  const n = idx.length;
  const dict = col.dict;
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
  return meta(element, w, offsetStart, dataPageOffset, dictionaryPageOffset, n, dictSize + size,
    ["PLAIN", "RLE_DICTIONARY"], "RLE_DICTIONARY",
    stats ? { null_count: BigInt(nulls), min_value: min, max_value: max } : undefined,
  ).chunk;
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

/**
 * What every column chunk of the lake's Parquet files shares: a byte buffer for PLAIN values, definition
 * levels, one data page (v2, SNAPPY) and the chunk's metadata. The chunk kinds are in chunk-double.ts and
 * chunk-strings.ts; column-chunks.ts picks one per column.
 */
import type { ColumnChunk, Encoding, SchemaElement, Statistics } from "hyparquet";
import { ByteWriter } from "hyparquet-writer";
import { writePageHeader } from "hyparquet-writer/src/datapage.js";
import { writeRleBitPackedHybrid } from "hyparquet-writer/src/encoding.js";
import { snappyCompress } from "hyparquet-writer/src/snappy.js";
import type { Writer } from "hyparquet-writer/src/types.js";

const ENCODER = new TextEncoder();

/** A growable byte buffer (one per column chunk being built). */
export class Bytes {
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

/** Writes one data page v2 (levels uncompressed, values SNAPPY) and returns its uncompressed size. */
export function writeDataPage(
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

export function chunkMeta(
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
): ColumnChunk {
  return {
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
  };
}


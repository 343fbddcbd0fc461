/**
 * Streaming writers of the data files into local staging files. Each keeps at most one row group (or one
 * page) in memory, so memory follows the page, not the table.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { columnarOf } from "./column-chunks.ts";
import { ParquetFile } from "./parquet-file.ts";
import type { ColumnarPage, ManifestColumn, PageColumn, Row } from "./types.ts";

/** Rows per Parquet row group: big enough for good compression, small enough to bound memory (~10 MB). */
export const ROW_GROUP_ROWS = 65_536;

export interface Sink {
  append(rows: Row[]): Promise<void>;
  /** A page as column arrays (see ColumnarPage); the sink may keep no reference after it resolves. */
  appendColumns(page: ColumnarPage): Promise<void>;
  /** Completes the file; afterwards the sink is unusable. */
  finish(): Promise<void>;
  /** Releases the file handle after a failure. */
  abort(): Promise<void>;
}

/** Buffers rows into column arrays and writes each full row group; at most one group is held. */
export class ParquetSink implements Sink {
  private readonly file: ParquetFile;
  private readonly names: string[];
  private readonly types: ("string" | "double")[];
  private readonly groupRows: number;
  private buffered: (string | number | null)[][];
  private bufferedRows = 0;

  private constructor(file: ParquetFile, columns: ManifestColumn[], groupRows: number) {
    this.file = file;
    this.names = columns.map((c) => c.name);
    this.types = columns.map((c) => c.type);
    this.groupRows = groupRows;
    this.buffered = columns.map(() => []);
  }

  /** `kv` lands in the file's key-value metadata; keep it deterministic (no timestamps) for idempotence. */
  static async create(
    path: string,
    columns: ManifestColumn[],
    kv: Record<string, string>,
    groupRows = ROW_GROUP_ROWS,
  ): Promise<ParquetSink> {
    return new ParquetSink(await ParquetFile.open(path, columns, kv), columns, groupRows);
  }

  async append(rows: Row[]): Promise<void> {
    const names = this.names;
    let cols = this.buffered;
    for (const row of rows) {
      for (let j = 0; j < names.length; j++) cols[j].push(row[names[j]] ?? null);
      if (++this.bufferedRows === this.groupRows) {
        await this.writeGroup();
        cols = this.buffered;
      }
    }
  }

  /**
   * A columnar page is written as it comes, in row groups of at most `groupRows` split evenly (100,000 rows
   * in groups of 65,536 -> 2 x 50,000), so no group spans two pages and nothing is buffered between pages.
   */
  async appendColumns(page: ColumnarPage): Promise<void> {
    await this.writeGroup();
    const n = page.rows;
    if (n === 0) return;
    const groups = Math.ceil(n / this.groupRows);
    const size = Math.ceil(n / groups);
    for (let from = 0; from < n; from += size) {
      const to = Math.min(n, from + size);
      if (from === 0 && to === n) {
        await this.file.writeGroup(page);
        continue;
      }
      await this.file.writeGroup({ rows: to - from, columns: page.columns.map((c) => sliceColumn(c, from, to)) });
    }
  }

  private async writeGroup(): Promise<void> {
    if (this.bufferedRows === 0) return;
    const data = this.buffered;
    const n = this.bufferedRows;
    this.buffered = this.names.map(() => []);
    this.bufferedRows = 0;
    await this.file.writeGroup(columnarOf(data, this.types, n));
  }

  async finish(): Promise<void> {
    await this.writeGroup();
    await this.file.finish();
  }

  async abort(): Promise<void> {
    await this.file.abort();
  }
}

function sliceColumn(c: PageColumn, from: number, to: number): PageColumn {
  if (c.kind === "dict") return { kind: "dict", dict: c.dict, idx: c.idx.subarray(from, to) };
  if (c.kind === "double") return { kind: "double", values: c.values.subarray(from, to) };
  return { kind: "strings", values: c.values.slice(from, to) };
}

/** Row objects of a columnar page (for the CSV and JSON files, written only on request). */
export function rowsOf(page: ColumnarPage, names: string[]): Row[] {
  const out: Row[] = new Array(page.rows);
  for (let i = 0; i < page.rows; i++) {
    const row: Row = {};
    for (let j = 0; j < names.length; j++) {
      const c = page.columns[j];
      if (c.kind === "dict") row[names[j]] = c.idx[i] < 0 ? null : c.dict[c.idx[i]];
      else if (c.kind === "double") row[names[j]] = Number.isNaN(c.values[i]) ? null : c.values[i];
      else row[names[j]] = c.values[i];
    }
    out[i] = row;
  }
  return out;
}

/** RFC 4180: quote a field holding a comma, quote, CR or LF; nulls are empty fields. */
function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const BOM = "\uFEFF";

export class CsvSink implements Sink {
  private readonly fh: FileHandle;
  private readonly names: string[];
  private constructor(fh: FileHandle, names: string[]) {
    this.fh = fh;
    this.names = names;
  }
  static async create(path: string, names: string[]): Promise<CsvSink> {
    const fh = await open(path, "w");
    // A UTF-8 BOM first: Excel, which Japanese users open CSV files with by double-clicking, reads
    // UTF-8 without one as Shift_JIS and shows 都道府県 names as mojibake. Readers that know UTF-8
    // skip it (pandas and DuckDB with encoding="utf-8-sig"; see the README).
    await fh.write(`${BOM}${names.map(csvField).join(",")}\r\n`);
    return new CsvSink(fh, names);
  }
  appendColumns(page: ColumnarPage): Promise<void> {
    return this.append(rowsOf(page, this.names));
  }
  async append(rows: Row[]): Promise<void> {
    let chunk = "";
    for (const row of rows) chunk += `${this.names.map((n) => csvField(row[n])).join(",")}\r\n`;
    await this.fh.write(chunk);
  }
  async finish(): Promise<void> {
    await this.fh.close();
  }
  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
  }
}

/** A JSON array of row objects, one per line (valid JSON, and easy to read line by line). */
export class JsonSink implements Sink {
  private readonly fh: FileHandle;
  private readonly names: string[];
  private first = true;
  private constructor(fh: FileHandle, names: string[]) {
    this.fh = fh;
    this.names = names;
  }
  static async create(path: string, names: string[]): Promise<JsonSink> {
    const fh = await open(path, "w");
    await fh.write("[");
    return new JsonSink(fh, names);
  }
  appendColumns(page: ColumnarPage): Promise<void> {
    return this.append(rowsOf(page, this.names));
  }
  async append(rows: Row[]): Promise<void> {
    let chunk = "";
    for (const row of rows) {
      const ordered: Row = {};
      for (const n of this.names) ordered[n] = row[n] ?? null;
      chunk += `${this.first ? "\n" : ",\n"}${JSON.stringify(ordered)}`;
      this.first = false;
    }
    await this.fh.write(chunk);
  }
  async finish(): Promise<void> {
    await this.fh.write("\n]\n");
    await this.fh.close();
  }
  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
  }
}

export async function hashFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest("hex") };
}

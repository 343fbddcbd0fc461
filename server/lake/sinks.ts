/**
 * Streaming writers of the data files into local staging files. Each keeps at most one row group (or one
 * page) in memory, so memory follows the page, not the table.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { ParquetFile } from "./parquet-file.ts";
import type { ManifestColumn, Row } from "./types.ts";

/** Rows per Parquet row group: big enough for good compression, small enough to bound memory (~10 MB). */
export const ROW_GROUP_ROWS = 65_536;

export interface Sink {
  append(rows: Row[]): Promise<void>;
  /** Completes the file; afterwards the sink is unusable. */
  finish(): Promise<void>;
  /** Releases the file handle after a failure. */
  abort(): Promise<void>;
}

/** Buffers rows into column arrays and writes each full row group; at most one group is held. */
export class ParquetSink implements Sink {
  private readonly file: ParquetFile;
  private readonly names: string[];
  private readonly groupRows: number;
  private buffered: (string | number | null)[][];
  private bufferedRows = 0;

  private constructor(file: ParquetFile, columns: ManifestColumn[], groupRows: number) {
    this.file = file;
    this.names = columns.map((c) => c.name);
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

  private async writeGroup(): Promise<void> {
    if (this.bufferedRows === 0) return;
    const data = this.buffered;
    const n = this.bufferedRows;
    this.buffered = this.names.map(() => []);
    this.bufferedRows = 0;
    await this.file.writeGroup(data, n);
  }

  async finish(): Promise<void> {
    await this.writeGroup();
    await this.file.finish();
  }

  async abort(): Promise<void> {
    await this.file.abort();
  }
}

/** RFC 4180: quote a field holding a comma, quote, CR or LF; nulls are empty fields. */
function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export class CsvSink implements Sink {
  private readonly fh: FileHandle;
  private readonly names: string[];
  private constructor(fh: FileHandle, names: string[]) {
    this.fh = fh;
    this.names = names;
  }
  static async create(path: string, names: string[]): Promise<CsvSink> {
    const fh = await open(path, "w");
    await fh.write(`${names.map(csvField).join(",")}\r\n`);
    return new CsvSink(fh, names);
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

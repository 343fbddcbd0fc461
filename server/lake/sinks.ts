/**
 * Streaming writers of the data files into local staging files. Each keeps at most one row group (or one
 * page) in memory, so memory follows the page, not the table.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import type { ColumnSource, SchemaElement } from "hyparquet-writer";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import type { ManifestColumn, Row } from "./types.ts";

/** Rows per Parquet row group: big enough for good compression, small enough to bound memory (~10 MB). */
export const ROW_GROUP_ROWS = 65_536;
/** The Parquet writer's buffer is written to disk once it holds this much. */
const FLUSH_BYTES = 4 * 1024 * 1024;

export interface Sink {
  append(rows: Row[]): Promise<void>;
  /** Completes the file; afterwards the sink is unusable. */
  finish(): Promise<void>;
  /** Releases the file handle after a failure. */
  abort(): Promise<void>;
}

/** A ByteWriter whose bytes go to a file handle whenever the writer calls flush() (after each row group). */
class FileByteWriter extends ByteWriter {
  readonly fh: FileHandle;
  constructor(fh: FileHandle) {
    super(FLUSH_BYTES);
    this.fh = fh;
  }
  async flush(): Promise<void> {
    if (this.index === 0) return;
    // ParquetWriter awaits this before encoding the next row group, so the buffer can be reused after.
    await this.fh.write(new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
  }
  override finish(): Promise<void> {
    return this.flush();
  }
}

function parquetSchema(columns: ManifestColumn[]): SchemaElement[] {
  return [
    { name: "root", num_children: columns.length },
    ...columns.map(
      (c): SchemaElement =>
        c.type === "double"
          ? { name: c.name, type: "DOUBLE", repetition_type: "OPTIONAL" }
          : {
              name: c.name,
              type: "BYTE_ARRAY",
              converted_type: "UTF8",
              logical_type: { type: "STRING" },
              repetition_type: "OPTIONAL",
            },
    ),
  ];
}

export class ParquetSink implements Sink {
  private readonly columns: ManifestColumn[];
  private readonly fh: FileHandle;
  private readonly writer: ParquetWriter;
  private buffered: (string | number | null)[][];
  private bufferedRows = 0;
  private readonly groupRows: number;

  private constructor(
    fh: FileHandle,
    columns: ManifestColumn[],
    kv: Record<string, string>,
    groupRows: number,
  ) {
    this.fh = fh;
    this.groupRows = groupRows;
    this.columns = columns;
    this.buffered = columns.map(() => []);
    this.writer = new ParquetWriter({
      writer: new FileByteWriter(fh),
      schema: parquetSchema(columns),
      codec: "SNAPPY",
      kvMetadata: Object.entries(kv).map(([key, value]) => ({ key, value })),
      createdBy: "estat-mcp-cloud lake (hyparquet-writer)",
    });
  }

  /** `kv` lands in the file's key-value metadata; keep it deterministic (no timestamps) for idempotence. */
  static async create(
    path: string,
    columns: ManifestColumn[],
    kv: Record<string, string>,
    groupRows = ROW_GROUP_ROWS,
  ): Promise<ParquetSink> {
    return new ParquetSink(await open(path, "w"), columns, kv, groupRows);
  }

  async append(rows: Row[]): Promise<void> {
    const names = this.columns.map((c) => c.name);
    for (const row of rows) {
      for (let j = 0; j < names.length; j++) this.buffered[j].push(row[names[j]] ?? null);
      if (++this.bufferedRows === this.groupRows) await this.writeGroup();
    }
  }

  private async writeGroup(): Promise<void> {
    if (this.bufferedRows === 0) return;
    const columnData: ColumnSource[] = this.columns.map((c, j) => ({ name: c.name, data: this.buffered[j] }));
    this.buffered = this.columns.map(() => []);
    const n = this.bufferedRows;
    this.bufferedRows = 0;
    await this.writer.write({ columnData, rowGroupSize: n });
  }

  async finish(): Promise<void> {
    await this.writeGroup();
    await this.writer.finish();
    await this.fh.close();
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
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

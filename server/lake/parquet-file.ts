/**
 * One Parquet file written row group by row group (hyparquet-writer), its bytes flushed to a file handle
 * after each group.
 */
import { type FileHandle, open } from "node:fs/promises";
import type { SchemaElement } from "hyparquet-writer";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import { writeChunk } from "./column-chunks.ts";
import type { ColumnarPage, ManifestColumn } from "./types.ts";

/** Initial size of the writer's buffer; it grows to one encoded row group at most. */
const INITIAL_BUFFER = 4 * 1024 * 1024;

/** A ByteWriter whose bytes go to a file handle whenever the writer calls flush() (after each row group). */
class FileByteWriter extends ByteWriter {
  readonly fh: FileHandle;
  constructor(fh: FileHandle) {
    super(INITIAL_BUFFER);
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

/** UTF-8 strings (STRING logical type) and nullable DOUBLE, every column OPTIONAL. */
export function parquetSchema(columns: ManifestColumn[]): SchemaElement[] {
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

export class ParquetFile {
  private readonly fh: FileHandle;
  private readonly writer: ParquetWriter;
  private readonly columns: ManifestColumn[];
  private readonly elements: SchemaElement[];

  private constructor(fh: FileHandle, columns: ManifestColumn[], kv: Record<string, string>) {
    this.fh = fh;
    this.columns = columns;
    const schema = parquetSchema(columns);
    this.elements = schema.slice(1);
    this.writer = new ParquetWriter({
      writer: new FileByteWriter(fh),
      schema,
      codec: "SNAPPY",
      kvMetadata: Object.entries(kv).map(([key, value]) => ({ key, value })),
      createdBy: "estat-mcp-cloud lake (hyparquet-writer)",
    });
  }

  /** `kv` lands in the file's key-value metadata; keep it deterministic (no timestamps) for idempotence. */
  static async open(
    path: string,
    columns: ManifestColumn[],
    kv: Record<string, string>,
  ): Promise<ParquetFile> {
    return new ParquetFile(await open(path, "w"), columns, kv);
  }

  /** One row group from column arrays in schema order (see column-chunks.ts). */
  async writeGroup(page: ColumnarPage): Promise<void> {
    const w = this.writer.writer;
    const start = w.offset;
    const chunks = this.columns.map((c, j) =>
      // Min/max of labels and raw text help no reader prune; codes and values keep theirs.
      writeChunk(w, this.elements[j], page.columns[j], !(c.name.endsWith("Name") || c.name === "raw" || c.name === "unit")),
    );
    let total = 0n;
    for (const c of chunks) total += c.meta_data?.total_uncompressed_size ?? 0n;
    this.writer.num_rows += BigInt(page.rows);
    this.writer.row_groups.push({
      columns: chunks,
      total_byte_size: total,
      num_rows: BigInt(page.rows),
      total_compressed_size: BigInt(w.offset - start),
    });
    await w.flush?.();
  }

  async finish(): Promise<void> {
    await this.writer.finish();
    await this.fh.close();
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
  }
}

/**
 * Streaming writers of the data files into local staging files. Each keeps at most one row group (or one
 * page) in memory, so memory follows the page, not the table.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import type { ManifestColumn, Row } from "./types.ts";

/** Rows per Parquet row group: big enough for good compression, small enough to bound memory (~10 MB). */
export const ROW_GROUP_ROWS = 65_536;
/** Row groups queued in the Parquet worker at most. */
const MAX_IN_FLIGHT = 2;

export interface Sink {
  append(rows: Row[]): Promise<void>;
  /** Completes the file; afterwards the sink is unusable. */
  finish(): Promise<void>;
  /** Releases the file handle after a failure. */
  abort(): Promise<void>;
}

/**
 * Buffers rows into column arrays and hands each full row group to the Parquet worker, with at most
 * MAX_IN_FLIGHT groups queued there (memory stays bounded when the worker is slower than the pages).
 */
export class ParquetSink implements Sink {
  private readonly worker: Worker;
  private readonly names: string[];
  private readonly groupRows: number;
  private buffered: (string | number | null)[][];
  private bufferedRows = 0;
  private inFlight = 0;
  private waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;

  private constructor(worker: Worker, columns: ManifestColumn[], groupRows: number) {
    this.worker = worker;
    this.names = columns.map((c) => c.name);
    this.groupRows = groupRows;
    this.buffered = columns.map(() => []);
    worker.on("message", (m: { type: "ack" | "error"; message?: string; code?: string }) => {
      if (m.type === "error")
        this.fail(
          Object.assign(new Error(m.message), { code: m.code, syscall: m.code ? "write" : undefined }),
        );
      else {
        this.inFlight--;
        this.waiting.shift()?.resolve();
      }
    });
    worker.on("error", (e) => this.fail(e));
  }

  private fail(e: Error) {
    this.failure ??= e;
    for (const w of this.waiting.splice(0)) w.reject(e);
  }

  /** `kv` lands in the file's key-value metadata; keep it deterministic (no timestamps) for idempotence. */
  static async create(
    path: string,
    columns: ManifestColumn[],
    kv: Record<string, string>,
    groupRows = ROW_GROUP_ROWS,
  ): Promise<ParquetSink> {
    const worker = new Worker(new URL("./parquet-worker.ts", import.meta.url), {
      workerData: { path, columns, kv },
    });
    return new ParquetSink(worker, columns, groupRows);
  }

  async append(rows: Row[]): Promise<void> {
    const names = this.names;
    let cols = this.buffered;
    for (const row of rows) {
      for (let j = 0; j < names.length; j++) cols[j].push(row[names[j]] ?? null);
      if (++this.bufferedRows === this.groupRows) {
        await this.sendGroup();
        cols = this.buffered;
      }
    }
  }

  private async waitBelow(n: number): Promise<void> {
    while (this.inFlight > n) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    }
    if (this.failure) throw this.failure;
  }

  private async sendGroup(): Promise<void> {
    if (this.bufferedRows === 0) return;
    await this.waitBelow(MAX_IN_FLIGHT - 1);
    this.worker.postMessage({ type: "group", data: this.buffered, rows: this.bufferedRows });
    this.inFlight++;
    this.buffered = this.names.map(() => []);
    this.bufferedRows = 0;
  }

  async finish(): Promise<void> {
    await this.sendGroup();
    this.worker.postMessage({ type: "finish" });
    this.inFlight++;
    await this.waitBelow(0);
    await this.worker.terminate();
  }

  async abort(): Promise<void> {
    await this.worker.terminate();
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

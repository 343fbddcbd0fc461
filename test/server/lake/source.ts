/** Builds DatasetSources from a SyntheticTable for the lake tests, with optional failures between pages. */
import { Buffer } from "node:buffer";
import type { Readable } from "node:stream";
import type { DatasetSource } from "../../../server/lake/index.ts";
import { NOTES, type SyntheticTable } from "../../helpers/estat-table.ts";

export interface SourceOptions {
  filters?: Record<string, string[]>;
  updatedDate?: string;
  /** Throw this instead of yielding page n (1-based). */
  failOnPage?: { page: number; error: Error };
  /** Runs before page n is yielded (e.g. stop the store, abort). */
  beforePage?: (page: number) => void | Promise<void>;
  totalNumber?: number;
}

export function sourceOf(table: SyntheticTable, opts: SourceOptions = {}): DatasetSource {
  async function* pages() {
    let page = 0;
    for (const start of table.pageStarts()) {
      page++;
      await opts.beforePage?.(page);
      if (opts.failOnPage?.page === page) throw opts.failOnPage.error;
      const end = Math.min(table.totalNumber, start - 1 + table.pageSize);
      yield { body: table.pageBody(start), rows: table.rows(start - 1, end) };
    }
  }
  return {
    statsDataId: table.statsDataId,
    title: table.title,
    updatedDate: opts.updatedDate ?? table.updatedDate,
    totalNumber: opts.totalNumber ?? table.totalNumber,
    filters: opts.filters ?? {},
    dimensions: table.dimensions(),
    notes: NOTES,
    pages: pages(),
  };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

export function arrayBufferOf(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

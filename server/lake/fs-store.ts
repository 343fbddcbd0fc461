/** The filesystem store: temp file + rename for every write, so a key is never half-written. */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import type { AsyncBuffer } from "hyparquet";
import { type ErrorShape, LakeError, storeError } from "./errors.ts";
import type { BlobStore } from "./store.ts";

/** A lock older than this belongs to a writer that died between taking and releasing it. */
const STALE_LOCK_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

const tagOf = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Staging lives inside the root so rename() stays on one filesystem (atomic). Readers never look here. */
const STAGING = ".staging";

export class FsStore implements BlobStore {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  describe(): string {
    return pathToFileURL(this.root).href;
  }

  uri(key: string): string {
    return pathToFileURL(this.path(key)).href;
  }

  path(key: string): string {
    const p = resolve(this.root, key);
    if (p !== this.root && !p.startsWith(this.root + sep)) throw new Error(`key outside the lake: ${key}`);
    return p;
  }

  async check(): Promise<void> {
    try {
      await mkdir(join(this.root, STAGING), { recursive: true });
      const probe = join(this.root, STAGING, `check-${randomBytes(6).toString("hex")}`);
      await writeFile(probe, "ok");
      await unlink(probe);
    } catch (err) {
      throw storeError(err, this.describe(), "write a probe file");
    }
  }

  async stagingDir(): Promise<string> {
    try {
      await mkdir(join(this.root, STAGING), { recursive: true });
      return await mkdtemp(join(this.root, STAGING, "save-"));
    } catch (err) {
      throw storeError(err, this.describe(), "create a staging directory");
    }
  }

  async putFile(key: string, localPath: string): Promise<void> {
    try {
      const target = this.path(key);
      await mkdir(dirname(target), { recursive: true });
      await rename(localPath, target);
    } catch (err) {
      throw storeError(err, this.describe(), `write ${key}`);
    }
  }

  async putBytes(key: string, bytes: Uint8Array): Promise<void> {
    const target = this.path(key);
    const tmp = `${target}.tmp-${randomBytes(6).toString("hex")}`;
    try {
      await mkdir(dirname(target), { recursive: true });
      const fh = await open(tmp, "w");
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {});
      throw storeError(err, this.describe(), `write ${key}`);
    }
  }

  async getTagged(key: string): Promise<{ bytes: Uint8Array; tag: string } | undefined> {
    const bytes = await this.getBytes(key);
    return bytes && { bytes, tag: tagOf(bytes) };
  }

  async putIfMatch(key: string, bytes: Uint8Array, contentType: string, tag: string | undefined): Promise<boolean> {
    const lock = `${this.path(key)}.lock`;
    await mkdir(dirname(lock), { recursive: true });
    await this.takeLock(lock, key);
    try {
      const current = await this.getTagged(key);
      if (current?.tag !== tag) return false;
      await this.putBytes(key, bytes);
      return true;
    } finally {
      await rm(lock, { force: true });
    }
  }

  /** O_EXCL create: one holder at a time, across processes sharing the folder. */
  private async takeLock(lock: string, key: string): Promise<void> {
    const end = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        await (await open(lock, "wx")).close();
        return;
      } catch (caught) {
        const err = caught as ErrorShape | undefined;
        if (err?.code !== "EEXIST") throw storeError(err, this.describe(), `lock ${key}`);
      }
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > STALE_LOCK_MS) await rm(lock, { force: true });
      else if (Date.now() > end) {
        throw new LakeError(`Another save holds ${key} in ${this.describe()}; retry in a moment.`, 503);
      } else await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
  }

  async getBytes(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (caught) {
      const err = caught as ErrorShape | undefined;
      if (err?.code === "ENOENT") return undefined;
      throw storeError(err, this.describe(), `read ${key}`);
    }
  }

  async openRead(key: string): Promise<Readable> {
    // Open first so a missing file fails here rather than later on the stream.
    try {
      const fh = await open(this.path(key), "r");
      return fh.createReadStream();
    } catch (err) {
      throw storeError(err, this.describe(), `read ${key}`);
    }
  }

  async asyncBuffer(key: string, byteLength: number): Promise<AsyncBuffer> {
    const path = this.path(key);
    const where = this.describe();
    // One open per range: hyparquet coalesces reads, so there are few, and no handle outlives a query.
    return {
      byteLength,
      async slice(start: number, end = byteLength) {
        try {
          const fh = await open(path, "r");
          try {
            const out = Buffer.allocUnsafe(end - start);
            const { bytesRead } = await fh.read(out, 0, end - start, start);
            return out.buffer.slice(out.byteOffset, out.byteOffset + bytesRead) as ArrayBuffer;
          } finally {
            await fh.close();
          }
        } catch (err) {
          throw storeError(err, where, `read ${key}`);
        }
      },
    };
  }

  async listSized(prefix: string): Promise<{ key: string; bytes: number }[]> {
    const keys = await this.list(prefix);
    const out: { key: string; bytes: number }[] = [];
    for (const key of keys) {
      const bytes = await stat(this.path(key)).then((s) => s.size, () => undefined);
      if (bytes !== undefined) out.push({ key, bytes });
    }
    return out;
  }

  async list(prefix: string): Promise<string[]> {
    const dir = this.path(prefix);
    try {
      const entries = await readdir(dir, { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => e.isFile())
        .map((e) => relative(this.root, join(e.parentPath, e.name)).split(sep).join("/"))
        .filter((k) => !k.startsWith(`${STAGING}/`) && !/\.(lock|tmp-[0-9a-f]{12})$/.test(k))
        .sort();
    } catch (caught) {
      const err = caught as ErrorShape | undefined;
      if (err?.code === "ENOENT" || err?.code === "ENOTDIR") return [];
      throw storeError(err, this.describe(), `list ${prefix}`);
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await rm(this.path(key), { force: true });
  }

  /** Removes a staging directory (fs-only helper). */
  async removeDir(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }
}

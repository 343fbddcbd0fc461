/** A real S3-compatible server (s3rver) on 127.0.0.1:0 in a fresh temp dir, with one bucket. */
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
// s3rver is CommonJS and ships no types; only its constructor, run() and close() are used.
const S3rver = createRequire(import.meta.url)("s3rver") as new (
  opts: Record<string, unknown>,
) => S3rverInstance;

export const S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** Stops the server (idempotent); the data directory is removed too. */
  stop(): Promise<void>;
}

export async function startS3(bucket = "lake"): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), "s3rver-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * The byte store under a lake: the only part that differs between S3 and the filesystem. Keys are
 * relative to the lake root ("datasets/estat/..."); every write of a single key is atomic (a reader sees
 * the old bytes or the new ones, never a part).
 */
import type { Readable } from "node:stream";
import type { AsyncBuffer } from "hyparquet";

export interface BlobStore {
  /** "s3://bucket/prefix" or "file:///abs/dir". */
  describe(): string;
  /** Absolute URI of a key. */
  uri(key: string): string;
  /** Reachable and writable, or a LakeError. */
  check(): Promise<void>;
  /** A private local directory for staging files before they are published with putFile. */
  stagingDir(): Promise<string>;
  /** Publishes a finished local file under key; the local file is consumed (moved or deleted). */
  putFile(key: string, localPath: string, contentType: string): Promise<void>;
  putBytes(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The object's bytes, or undefined when it does not exist. */
  getBytes(key: string): Promise<Uint8Array | undefined>;
  openRead(key: string): Promise<Readable>;
  /** Random access for the Parquet reader (ranged GETs on S3). */
  asyncBuffer(key: string, byteLength: number): Promise<AsyncBuffer>;
  /** All keys under prefix (recursive). */
  list(prefix: string): Promise<string[]>;
  /** Deletes keys; missing keys are not an error. */
  delete(keys: string[]): Promise<void>;
  /** A presigned GET URL, where the store supports it, with the time it really expires. */
  presign?(key: string, expiresInSeconds: number, fileName: string): Promise<Presigned>;
}

export interface Presigned {
  url: string;
  expiresAt: Date;
  expiresInSeconds: number;
  /** The expiry asked for was cut to when the signing credentials (a temporary session) expire. */
  limitedByCredentials?: true;
}

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
  /** All keys under prefix with their sizes (recursive): what the quota counts. */
  listSized(prefix: string): Promise<{ key: string; bytes: number }[]>;
  /** The object's bytes and a tag that changes with every write (S3: its ETag), or undefined. */
  getTagged(key: string): Promise<{ bytes: Uint8Array; tag: string } | undefined>;
  /**
   * Writes key only if it still carries `tag` (undefined: only if it does not exist), atomically with
   * respect to other conditional writers; false when another write came first. S3: PutObject with
   * If-Match / If-None-Match: *. Filesystem: an exclusive lock file beside the key.
   */
  putIfMatch(key: string, bytes: Uint8Array, contentType: string, tag: string | undefined): Promise<boolean>;
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

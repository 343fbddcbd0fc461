/**
 * The S3 store (AWS S3 and S3-compatibles: MinIO, s3rver, Google Cloud Storage's interoperability API).
 * A PutObject is atomic per key, which is all the lake needs: files go to fresh version keys and the
 * manifest is replaced last.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { AsyncBuffer } from "hyparquet";
import { type ErrorShape, LakeError, storeError } from "./errors.ts";
import type { BlobStore, Presigned } from "./store.ts";
import type { OpenLakeOptions } from "./types.ts";

/** Files above this go up in parts, so no single request carries more than PART_SIZE. */
const MULTIPART_THRESHOLD = 64 * 1024 * 1024;
const PART_SIZE = 16 * 1024 * 1024;

export class S3Store implements BlobStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;
  readonly multipartThreshold: number;
  readonly partSize: number;

  /** `multipartThreshold` and `partSize` (bytes) exist to exercise multipart uploads in tests. */
  constructor(
    bucket: string,
    prefix: string,
    opts: OpenLakeOptions & { multipartThreshold?: number; partSize?: number } = {},
  ) {
    this.bucket = bucket;
    this.prefix = prefix.replace(/^\/+|\/+$/g, "");
    this.multipartThreshold = opts.multipartThreshold ?? MULTIPART_THRESHOLD;
    this.partSize = opts.partSize ?? PART_SIZE;
    this.client = new S3Client({
      region: opts.region ?? "us-east-1",
      endpoint: opts.s3Endpoint,
      forcePathStyle: opts.forcePathStyle ?? Boolean(opts.s3Endpoint),
      credentials: opts.credentials,
      // Google Cloud Storage (and some S3-compatibles) reject the SDK's default CRC32 request checksums.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 3,
    });
  }

  describe(): string {
    return `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ""}`;
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${this.key(key)}`;
  }

  private key(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private fail(err: unknown, action: string) {
    return storeError(err, this.describe(), action);
  }

  /** One PutObject under the prefix; `extra` gives a stream's length or a condition (If-Match, If-None-Match). */
  private async putObject(
    key: string,
    body: PutObjectCommandInput["Body"],
    contentType: string,
    extra: Pick<PutObjectCommandInput, "ContentLength" | "IfMatch" | "IfNoneMatch"> = {},
  ): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: body, ContentType: contentType, ...extra }),
    );
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      await this.putObject("_lake/check", "ok", "text/plain");
    } catch (caught) {
      const err = caught as ErrorShape | undefined;
      // HeadBucket has no body, so a missing bucket is a bare 404 "NotFound".
      const missing = err?.name === "NotFound" || err?.$metadata?.httpStatusCode === 404;
      throw this.fail(missing ? Object.assign(caught as object, { name: "NoSuchBucket" }) : err, "check the bucket");
    }
  }

  async stagingDir(): Promise<string> {
    return mkdtemp(join(tmpdir(), "estat-lake-"));
  }

  async putFile(key: string, localPath: string, contentType: string): Promise<void> {
    try {
      const { size } = await stat(localPath);
      if (size > this.multipartThreshold) await this.putMultipart(key, localPath, size, contentType);
      else await this.putObject(key, createReadStream(localPath), contentType, { ContentLength: size });
    } catch (err) {
      throw this.fail(err, `upload ${key}`);
    } finally {
      await rm(localPath, { force: true });
    }
  }

  private async putMultipart(
    key: string,
    localPath: string,
    size: number,
    contentType: string,
  ): Promise<void> {
    const Key = this.key(key);
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key, ContentType: contentType }),
    );
    const fh = await open(localPath, "r");
    try {
      const parts: { ETag?: string; PartNumber: number }[] = [];
      const buf = Buffer.allocUnsafe(this.partSize);
      for (let offset = 0, n = 1; offset < size; offset += this.partSize, n++) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(this.partSize, size - offset), offset);
        const r = await this.client.send(
          new UploadPartCommand({
            Bucket: this.bucket,
            Key,
            UploadId,
            PartNumber: n,
            Body: buf.subarray(0, bytesRead),
          }),
        );
        parts.push({ ETag: r.ETag, PartNumber: n });
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (err) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId }))
        .catch(() => {});
      throw err;
    } finally {
      await fh.close();
    }
  }

  async putBytes(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    try {
      await this.putObject(key, bytes, contentType);
    } catch (err) {
      throw this.fail(err, `write ${key}`);
    }
  }

  async getTagged(key: string): Promise<{ bytes: Uint8Array; tag: string } | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return { bytes: await r.Body!.transformToByteArray(), tag: r.ETag ?? "" };
    } catch (caught) {
      const err = caught as ErrorShape | undefined;
      if (err?.name === "NoSuchKey" || err?.$metadata?.httpStatusCode === 404) return undefined;
      throw this.fail(err, `read ${key}`);
    }
  }

  async putIfMatch(key: string, bytes: Uint8Array, contentType: string, tag: string | undefined): Promise<boolean> {
    try {
      await this.putObject(key, bytes, contentType, tag === undefined ? { IfNoneMatch: "*" } : { IfMatch: tag });
      return true;
    } catch (caught) {
      const err = caught as ErrorShape | undefined;
      // 412: the object changed (or appeared); 409: a concurrent conditional write won the race.
      const status = err?.$metadata?.httpStatusCode;
      // 404 with If-Match: the object was deleted since it was read.
      if (status === 412 || status === 409 || err?.name === "PreconditionFailed") return false;
      if (tag !== undefined && (status === 404 || err?.name === "NoSuchKey")) return false;
      throw this.fail(err, `write ${key}`);
    }
  }

  async getBytes(key: string): Promise<Uint8Array | undefined> {
    return (await this.getTagged(key))?.bytes;
  }

  async openRead(key: string): Promise<Readable> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return r.Body as Readable;
    } catch (err) {
      throw this.fail(err, `read ${key}`);
    }
  }

  async asyncBuffer(key: string, byteLength: number): Promise<AsyncBuffer> {
    const Key = this.key(key);
    return {
      byteLength,
      slice: async (start: number, end = byteLength) => {
        if (end <= start) return new ArrayBuffer(0);
        try {
          const r = await this.client.send(
            new GetObjectCommand({ Bucket: this.bucket, Key, Range: `bytes=${start}-${end - 1}` }),
          );
          const bytes = await r.Body!.transformToByteArray();
          return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        } catch (err) {
          throw this.fail(err, `read ${key}`);
        }
      },
    };
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.listSized(prefix)).map((o) => o.key);
  }

  async listSized(prefix: string): Promise<{ key: string; bytes: number }[]> {
    const keys: { key: string; bytes: number }[] = [];
    const full = this.key(prefix);
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    try {
      let token: string | undefined;
      do {
        const r = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, ContinuationToken: token }),
        );
        for (const o of r.Contents ?? []) if (o.Key) keys.push({ key: o.Key.slice(strip), bytes: o.Size ?? 0 });
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw this.fail(err, `list ${prefix}`);
    }
    return keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(keys: string[]): Promise<void> {
    // One DeleteObject per key: Google Cloud Storage's S3 API has no multi-object delete.
    for (const k of keys) {
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(k) }));
      } catch (err) {
        throw this.fail(err, `delete ${k}`);
      }
    }
  }

  /**
   * A presigned GET URL. A URL signed with temporary credentials (a task role's session, SSO, STS) dies
   * with them whatever X-Amz-Expires says, so the expiry is capped at the credentials' own `expiration`
   * and the time returned is when the URL really stops working.
   */
  async presign(key: string, expiresInSeconds: number, fileName: string): Promise<Presigned> {
    const credentials = await this.client.config.credentials();
    // X-Amz-Date has whole seconds: sign at a whole second so expiresAt is exactly what S3 enforces.
    const signingDate = new Date(Math.floor(Date.now() / 1000) * 1000);
    const left = credentials.expiration
      ? Math.floor((credentials.expiration.getTime() - signingDate.getTime()) / 1000)
      : Infinity;
    if (left < 1) {
      throw new LakeError("The server's storage credentials have expired; try again in a minute.", 503);
    }
    const seconds = Math.min(expiresInSeconds, left);
    const url = await getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.key(key),
        ResponseContentDisposition: `attachment; filename="${fileName}"`,
      }),
      { expiresIn: seconds, signingDate },
    );
    return {
      url,
      expiresAt: new Date(signingDate.getTime() + seconds * 1000),
      expiresInSeconds: seconds,
      ...(seconds < expiresInSeconds ? { limitedByCredentials: true } : {}),
    };
  }
}

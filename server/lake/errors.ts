/**
 * The one error type of the lake. `status` is the HTTP status a caller should answer with: 400 a bad
 * request (unknown column, bad filter), 403 a bad or expired download signature, 404 no such dataset or
 * file, 409 the data changed under us, 503 the store is unreachable or refused us. Messages say what to do
 * next and never carry credentials or signed URLs.
 */
export class LakeError extends Error {
  readonly status: number;
  /** A public error (Koa's shape, see server/errors.ts): its message is written for the caller. */
  readonly expose = true;
  constructor(message: string, status = 500, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LakeError";
    this.status = status;
  }
}

/** What the S3 SDK, node:fs and undici put on their errors, as far as we read them. */
export interface ErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  cause?: unknown;
  errors?: { code?: string }[];
  $metadata?: { httpStatusCode?: number };
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
]);

/** The errno-style code of an error or of its causes, e.g. "ECONNREFUSED". */
function networkCode(err: unknown): string | undefined {
  for (let e = err as ErrorShape | undefined, depth = 0; e && depth < 5; e = e.cause as ErrorShape | undefined, depth++) {
    if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return e.code;
    if (Array.isArray(e.errors)) {
      for (const inner of e.errors) if (inner?.code && NETWORK_CODES.has(inner.code)) return inner.code;
    }
  }
  return undefined;
}

/** Turns an S3 SDK or network error into a LakeError naming the lake (never keys) and the next step. */
export function storeError(err: unknown, where: string, action: string): LakeError {
  if (err instanceof LakeError) return err;
  const e = err as ErrorShape | undefined;
  if (e?.name === "AbortError") return new LakeError(`${action} was cancelled.`, 499, { cause: err });
  const net = networkCode(err);
  if (net) {
    return new LakeError(
      `The data lake at ${where} is unreachable (${net}) while trying to ${action}. Check that the store is running and S3_ENDPOINT / DATA_LAKE point at it, then retry.`,
      503,
      { cause: err },
    );
  }
  const name: string = e?.name ?? e?.Code ?? "Error";
  if (name === "NoSuchBucket") {
    return new LakeError(
      `The bucket of ${where} does not exist. Create it or fix DATA_LAKE / S3_BUCKET.`,
      503,
      { cause: err },
    );
  }
  if (
    name === "AccessDenied" ||
    name === "InvalidAccessKeyId" ||
    name === "SignatureDoesNotMatch" ||
    e?.$metadata?.httpStatusCode === 403
  ) {
    return new LakeError(
      `The data lake at ${where} refused to ${action} (${name}). Check the credentials and their permissions on the bucket.`,
      503,
      { cause: err },
    );
  }
  if (e?.code === "EACCES" || e?.code === "EROFS" || e?.code === "ENOSPC") {
    return new LakeError(
      `Cannot ${action} in ${where} (${e.code}). Check the directory's permissions and free space.`,
      503,
      {
        cause: err,
      },
    );
  }
  return new LakeError(
    `Failed to ${action} in ${where} (${name}). Retry; if it persists, check the store.`,
    503,
    {
      cause: err,
    },
  );
}

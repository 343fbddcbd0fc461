/**
 * Signed download URLs for the filesystem lake: `${publicBaseUrl}/datasets/<statsDataId>/<variant>/<file>
 * ?expires=<unix seconds>&sig=<base64url HMAC-SHA256(signingKey, "/datasets/…/<file>\n<expires>")>`.
 * The server mounts a route on `/datasets/*` (under any prefix), calls verifyDownload, then
 * lake.openDownload(datasetId, file).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { LakeError } from "./errors.ts";
import { parseDatasetId } from "./ids.ts";

export const DOWNLOAD_FILES = ["data.parquet", "data.csv", "data.json", "meta.json", "meta.csv"];

function sign(resource: string, expires: number, signingKey: string): string {
  return createHmac("sha256", signingKey).update(`${resource}\n${expires}`).digest("base64url");
}

/** The path and query of a signed URL (join it to publicBaseUrl). */
export function signDownload(
  datasetId: string,
  file: string,
  expiresInSeconds: number,
  signingKey: string,
  now = Date.now(),
): { path: string; expiresAt: string } {
  const expires = Math.floor(now / 1000) + expiresInSeconds;
  const resource = `/datasets/${datasetId}/${file}`;
  return {
    path: `${resource}?expires=${expires}&sig=${sign(resource, expires, signingKey)}`,
    expiresAt: new Date(expires * 1000).toISOString(),
  };
}

/**
 * Checks a download request. `path` is the request path (anything before "/datasets/" is ignored, so the
 * route can live under a prefix); `query` is the parsed query string (Koa's ctx.query). Returns what to
 * open, or throws a LakeError with status 400 (malformed), 403 (bad signature or expired).
 */
export function verifyDownload(
  path: string,
  query: Record<string, string | string[] | undefined>,
  signingKey: string,
  now = Date.now(),
): { datasetId: string; file: string } {
  if (!signingKey) throw new LakeError("Downloads are not configured: set a signing key for the lake.", 500);
  const at = path.indexOf("/datasets/");
  const resource = at < 0 ? "" : path.slice(at);
  const m = /^\/datasets\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(resource);
  if (!m || !DOWNLOAD_FILES.includes(m[3])) {
    throw new LakeError("Not a dataset download path. Ask get_download_url for a link.", 400);
  }
  const { statsDataId, variant } = parseDatasetId(`${m[1]}/${m[2]}`);
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const expiresText = one(query.expires) ?? "";
  const sig = one(query.sig) ?? "";
  const expires = /^\d{1,12}$/.test(expiresText) ? Number(expiresText) : Number.NaN;
  if (!Number.isFinite(expires) || !sig) {
    throw new LakeError(
      "The download link lacks its expiry or signature. Ask get_download_url for a new link.",
      403,
    );
  }
  const want = Buffer.from(sign(resource, expires, signingKey));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) {
    throw new LakeError(
      "The download link's signature is invalid. Ask get_download_url for a new link.",
      403,
    );
  }
  if (Math.floor(now / 1000) > expires) {
    throw new LakeError("The download link has expired. Ask get_download_url for a new link.", 403);
  }
  return { datasetId: `${statsDataId}/${variant}`, file: m[3] };
}

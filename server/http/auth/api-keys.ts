/**
 * API keys: required everywhere but health checks and CORS preflights. The one place a key is checked;
 * the key id (never the key) goes into the request context for the log line and the rate limit.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type Koa from "koa";
import { keyId } from "../../auth.ts";
import { requestContext } from "../../context.ts";
import { HttpError, rpcError } from "../errors.ts";
import { isOpenPath } from "../open-paths.ts";

/** Checks presented keys against the configured ones in constant time (per configured key). */
export function createKeyChecker(keys: readonly string[]) {
  const digests = keys.map((k) => ({ digest: createHash("sha256").update(k).digest(), id: keyId(k) }));
  return (presented: string | undefined): string | undefined => {
    if (!presented) return undefined;
    const d = createHash("sha256").update(presented).digest();
    let found: string | undefined;
    // Compare against every key without stopping early, so timing says nothing about which matched.
    for (const k of digests) if (timingSafeEqual(d, k.digest)) found = k.id;
    return found;
  };
}

/** `Authorization: Bearer <key>` or `X-API-Key: <key>`; tolerant of clients that URL-encode header values. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  const bearer = typeof auth === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] : undefined;
  const xKey = headers["x-api-key"];
  const raw = bearer ?? (typeof xKey === "string" ? xKey.trim() : undefined);
  if (!raw) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function apiKeys(auth: { mode: "keys" | "none"; keys: readonly string[] }): Koa.Middleware {
  const checkKey = createKeyChecker(auth.keys);
  return async (ctx, next) => {
    // /.well-known/* stays a plain 404 for everyone: a 401 there would send clients into an OAuth flow.
    if (
      isOpenPath(ctx.path) ||
      ctx.path.startsWith("/.well-known/") ||
      auth.mode === "none" ||
      ctx.method === "OPTIONS"
    ) {
      return next();
    }
    const presented = presentedKey(ctx.headers);
    const id = checkKey(presented);
    if (!id) {
      ctx.set("WWW-Authenticate", 'Bearer realm="estat-mcp-cloud"');
      throw new HttpError(
        401,
        "Unauthorized",
        rpcError(
          -32001,
          presented
            ? "Unauthorized: the API key is not valid. Check MCP_API_KEYS on the server and the key in your client."
            : "Unauthorized: send the API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.",
        ),
      );
    }
    const store = requestContext.getStore();
    if (store) store.keyId = id;
    return next();
  };
}

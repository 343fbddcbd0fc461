/**
 * MCP_AUTH=keys: static API keys (MCP_API_KEYS), sent as `X-API-Key` or `Authorization: Bearer`.
 *
 * A refusal is a 403 without WWW-Authenticate, not a 401. The common MCP clients treat any 401 as the
 * start of an OAuth sign-in, whatever its challenge says: the MCP Inspector CLI stops with "Interactive
 * OAuth requires a TTY", mcp-remote waits for a browser sign-in forever, and the SDK's client (which
 * Claude Code and Cursor build on) runs OAuth discovery and registration before it shows anything. On a
 * 403 without an `insufficient_scope` challenge they stop and show the body, which says what to send.
 * The message must not contain the word "Unauthorized": mcp-remote 0.15 starts OAuth on any error whose
 * text includes it. test/server/auth-clients.test.ts runs the real Inspector CLI and mcp-remote.
 */
import { hash, timingSafeEqual } from "node:crypto";
import { keyId } from "../../auth.ts";
import { rpcError } from "../errors.ts";
import type { Authenticator, AuthFailure } from "./authenticator.ts";

export const KEY_MISSING =
  "API key required: send it as 'X-API-Key: <key>' or 'Authorization: Bearer <key>'. " +
  "Keys come from whoever runs this server (MCP_API_KEYS on the server; `npm run keygen` makes one).";
export const KEY_INVALID =
  "API key not accepted: it is not one of this server's MCP_API_KEYS. Check the key in your client's " +
  "configuration, sent as 'X-API-Key: <key>' or 'Authorization: Bearer <key>'.";
export const KEYS_NOT_OAUTH =
  "Not found. This server takes API keys (X-API-Key: <key> or Authorization: Bearer <key>), not OAuth.";

/** Checks presented keys against the configured ones in constant time (per configured key). */
export function createKeyChecker(keys: readonly string[]) {
  // One-shot hash(): a createHash() object per request was 17 µs of every authenticated request.
  const digests = keys.map((k) => ({ digest: hash("sha256", k, "buffer"), id: keyId(k) }));
  return (presented: string | undefined): string | undefined => {
    if (!presented) return undefined;
    const d = hash("sha256", presented, "buffer");
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

export function apiKeyAuthenticator(keys: readonly string[]): Authenticator {
  const checkKey = createKeyChecker(keys);
  return {
    mode: "keys",
    async authenticate(ctx) {
      const presented = presentedKey(ctx.headers);
      const id = checkKey(presented);
      if (id) return { ok: true, principal: { kind: "key", id, scopes: [] } };
      const failure: AuthFailure = presented
        ? { status: 403, reason: "invalid_key", message: KEY_INVALID }
        : { status: 403, reason: "missing_key", message: KEY_MISSING };
      return { ok: false, failure };
    },
    challenge(ctx, failure) {
      ctx.status = failure.status;
      ctx.body = rpcError(-32001, failure.message);
    },
    // No OAuth here: a plain 404 on /.well-known keeps clients from starting an OAuth flow against us.
    wellKnown(ctx) {
      ctx.status = 404;
      ctx.body = { success: false, error: KEYS_NOT_OAUTH };
      return true;
    },
  };
}

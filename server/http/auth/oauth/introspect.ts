/**
 * Opaque access tokens (not JWTs), checked with the authorization server's introspection endpoint
 * (RFC 7662), with the same rules as verify.ts: active, exact issuer when named, our audience, expiry
 * with skew, a subject, the Cognito-style client check. Answers are cached briefly by a hash of the
 * token (never the token itself), so a busy client costs one introspection a minute, not one a call.
 */
import { createHash } from "node:crypto";
import type { JWTPayload } from "jose";
import { LRUCache } from "lru-cache";
import type { OAuthConfig } from "../../../config-oauth.ts";
import { KeysUnavailable } from "./keys.ts";
import { principalOf, TokenRejected, type VerifiedToken } from "./verify.ts";

const MAX_CACHED_MS = 60_000;

export function createIntrospector(cfg: OAuthConfig, opts: { fetchTimeoutMs: number }) {
  const endpoint = cfg.introspection;
  if (!endpoint) throw new Error("createIntrospector needs OAUTH_INTROSPECTION_URL");
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(endpoint.clientId)}:${encodeURIComponent(endpoint.clientSecret)}`).toString("base64")}`;
  const cache = new LRUCache<string, VerifiedToken>({ max: 10_000 });

  async function ask(token: string): Promise<JWTPayload & { active?: unknown }> {
    let res: Response;
    try {
      res = await fetch(endpoint!.url, {
        method: "POST",
        headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams({ token, token_type_hint: "access_token" }),
        signal: AbortSignal.timeout(opts.fetchTimeoutMs),
      });
    } catch {
      throw new KeysUnavailable("The authorization server's introspection endpoint does not answer.");
    }
    if (!res.ok) throw new KeysUnavailable(`The introspection endpoint answered HTTP ${res.status}.`);
    return (await res.json().catch(() => ({}))) as JWTPayload & { active?: unknown };
  }

  return async function introspect(token: string): Promise<VerifiedToken> {
    const key = createHash("sha256").update(token).digest("base64url");
    const now = Date.now() / 1000;
    const hit = cache.get(key);
    if (hit && hit.expiresAt > now) return hit;
    const claims = await ask(token);
    if (claims.active !== true) throw new TokenRejected("inactive", "The access token is not active (expired, revoked or unknown).");
    if (claims.iss !== undefined && claims.iss !== cfg.issuer) {
      throw new TokenRejected("wrong_issuer", `The access token was not issued by ${cfg.issuer}.`);
    }
    if (typeof claims.exp !== "number") throw new TokenRejected("bad_claims", "The access token has no expiry.");
    if (claims.exp + cfg.clockToleranceSeconds < now) throw new TokenRejected("expired", "The access token has expired.");
    if (typeof claims.nbf === "number" && claims.nbf - cfg.clockToleranceSeconds > now) {
      throw new TokenRejected("not_yet_valid", "The access token is not valid yet (nbf).");
    }
    if (cfg.audience !== undefined) {
      const aud = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
      if (!aud.includes(cfg.audience)) {
        throw new TokenRejected("wrong_audience", `The access token was not issued for this server (${cfg.audience}).`);
      }
    }
    const verified = { principal: principalOf(cfg, claims), expiresAt: claims.exp };
    cache.set(key, verified, { ttl: Math.max(1, Math.min(MAX_CACHED_MS, (claims.exp - now) * 1000)) });
    return verified;
  };
}

/**
 * The authorization server's signing keys: `jwks_uri` discovered from its metadata (RFC 8414, then
 * OpenID discovery), checked to name the configured issuer exactly, then jose's remote key set, which
 * caches the keys and fetches them again at most once per cooldown when a token names an unknown
 * `kid` (a key rotation). Every fetch has a timeout; while the AS cannot be reached, verification
 * fails with KeysUnavailable (a 503 that says so), never a hang.
 */
import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from "jose";
import type { OAuthConfig } from "../../../config-oauth.ts";

/** The AS (its metadata or its keys) cannot be reached or read: not the caller's fault. */
export class KeysUnavailable extends Error {}

/** Discovery documents to try for an issuer, in order (RFC 8414 §3.1 path insertion, then OpenID). */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, "");
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ].filter((u, i, all) => all.indexOf(u) === i);
}

async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<string> {
  for (const url of metadataUrls(issuer)) {
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "error", headers: { accept: "application/json" } });
    } catch {
      throw new KeysUnavailable(`The authorization server ${issuer} did not answer its metadata request.`);
    }
    if (res.status === 404) continue;
    if (!res.ok) throw new KeysUnavailable(`The authorization server's metadata answered HTTP ${res.status}.`);
    const meta = (await res.json().catch(() => ({}))) as { issuer?: unknown; jwks_uri?: unknown };
    // RFC 8414 §3.3: the document must name the issuer it was fetched for, exactly.
    if (meta.issuer !== issuer) {
      throw new KeysUnavailable(`The metadata at ${url} names issuer "${String(meta.issuer)}", not OAUTH_ISSUER (${issuer}).`);
    }
    if (typeof meta.jwks_uri !== "string") throw new KeysUnavailable(`The metadata at ${url} has no jwks_uri.`);
    return meta.jwks_uri;
  }
  throw new KeysUnavailable(`No authorization server metadata found for ${issuer}.`);
}

export function createKeySource(
  cfg: OAuthConfig,
  opts: { jwksCooldownMs: number; fetchTimeoutMs: number },
): JWTVerifyGetKey {
  let keySet: Promise<JWTVerifyGetKey> | undefined;
  const load = () => {
    if (keySet) return keySet;
    const uri = cfg.jwksUrl ? Promise.resolve(cfg.jwksUrl) : discoverJwksUri(cfg.issuer, opts.fetchTimeoutMs);
    const loading = uri.then((u) =>
      createRemoteJWKSet(new URL(u), { cooldownDuration: opts.jwksCooldownMs, timeoutDuration: opts.fetchTimeoutMs }),
    );
    // Concurrent first requests share one discovery; a failed one is tried again on the next token.
    loading.catch(() => {
      if (keySet === loading) keySet = undefined;
    });
    keySet = loading;
    return loading;
  };
  return async (header, token) => {
    const keys = await load();
    try {
      return await keys(header, token);
    } catch (err) {
      // These are about the token (an unknown kid, an algorithm the keys do not fit), not the AS.
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
      if (err instanceof errors.JOSENotSupported || err instanceof errors.JWKInvalid) throw err;
      throw new KeysUnavailable("The authorization server's keys (jwks_uri) could not be fetched.");
    }
  };
}

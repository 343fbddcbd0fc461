/**
 * Access tokens verified here, with `jose`, against the authorization server's published keys: exact
 * `iss`, `aud` containing this server's resource (RFC 8707), `exp`/`nbf` with a small skew, an
 * algorithm allow-list (never `none`, never HS*), `typ` when the AS sets one (RFC 9068 `at+jwt`).
 * For an AS that puts no `aud` in access tokens (Cognito), the allowed `client_id`s instead.
 */
import { errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { OAuthConfig } from "../../../config-oauth.ts";
import type { Principal } from "../authenticator.ts";
import { createKeySource, KeysUnavailable } from "./keys.ts";

/** A token that is not acceptable; `reason` is a short word for the log, `message` goes to the caller. */
export class TokenRejected extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

export { KeysUnavailable };

export interface VerifiedToken {
  principal: Principal;
  /** Seconds since the epoch. */
  expiresAt: number;
}

const ACCESS_TOKEN_TYPES = new Set(["at+jwt", "application/at+jwt"]);

export function scopesOf(payload: JWTPayload): string[] {
  // `scope` is RFC 9068's space-separated string; Okta and Entra send `scp` (an array, or a string).
  const raw = payload.scope ?? payload.scp;
  if (typeof raw === "string") return raw.split(" ").filter(Boolean);
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === "string");
  return [];
}

export function createJwtVerifier(cfg: OAuthConfig, opts: { jwksCooldownMs: number; fetchTimeoutMs: number }) {
  const keys: JWTVerifyGetKey = createKeySource(cfg, opts);

  function reject(err: unknown): never {
    if (err instanceof KeysUnavailable || err instanceof TokenRejected) throw err;
    if (err instanceof errors.JWTExpired) throw new TokenRejected("expired", "The access token has expired.");
    if (err instanceof errors.JWTClaimValidationFailed) {
      if (err.claim === "nbf") throw new TokenRejected("not_yet_valid", "The access token is not valid yet (nbf).");
      if (err.claim === "iss") throw new TokenRejected("wrong_issuer", `The access token was not issued by ${cfg.issuer}.`);
      if (err.claim === "aud") {
        throw new TokenRejected("wrong_audience", `The access token was not issued for this server (${cfg.audience}).`);
      }
      throw new TokenRejected("bad_claims", `The access token's ${err.claim} claim is not acceptable.`);
    }
    if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
      throw new TokenRejected("algorithm", `The access token's algorithm is not accepted (accepted: ${cfg.algorithms.join(", ")}).`);
    }
    if (err instanceof errors.JWKSNoMatchingKey) {
      throw new TokenRejected("unknown_key", "The access token is signed with a key the authorization server does not publish.");
    }
    if (err instanceof errors.JWSSignatureVerificationFailed) throw new TokenRejected("signature", "The access token's signature is not valid.");
    throw new TokenRejected("malformed", "The access token is not a valid JWT.");
  }

  return async function verify(token: string): Promise<VerifiedToken> {
    let payload: JWTPayload;
    let typ: string | undefined;
    try {
      const r = await jwtVerify(token, keys, {
        issuer: cfg.issuer,
        audience: cfg.audience,
        algorithms: cfg.algorithms,
        clockTolerance: cfg.clockToleranceSeconds,
        requiredClaims: ["exp"],
      });
      payload = r.payload;
      typ = r.protectedHeader.typ;
    } catch (err) {
      reject(err);
    }
    // RFC 9068 access tokens say `at+jwt`; ID tokens and others say `JWT` or something else. An AS that
    // sets no typ (Cognito, Keycloak: `JWT`) is judged by aud / client_id alone.
    if (typ !== undefined && !ACCESS_TOKEN_TYPES.has(typ.toLowerCase()) && typ.toUpperCase() !== "JWT") {
      throw new TokenRejected("token_type", `A token of type "${typ}" is not an access token.`);
    }
    return { principal: principalOf(cfg, payload), expiresAt: payload.exp as number };
  };
}

/** The caller a verified token (or an introspection answer) names, after the Cognito-style client check. */
export function principalOf(cfg: OAuthConfig, claims: JWTPayload): Principal {
  const clientId = [claims.client_id, claims.azp, claims.cid].find((c): c is string => typeof c === "string");
  if (cfg.clientIds.length > 0) {
    if (claims.token_use !== undefined && claims.token_use !== "access") {
      throw new TokenRejected("token_type", "Only access tokens are accepted (token_use must be access).");
    }
    if (!clientId || !cfg.clientIds.includes(clientId)) {
      throw new TokenRejected("client", "The access token was issued to a client this server does not accept (OAUTH_CLIENT_IDS).");
    }
  }
  // A token from the client-credentials grant has no user: the client itself is the caller.
  const id = typeof claims.sub === "string" ? claims.sub : clientId ? `client:${clientId}` : undefined;
  if (!id) throw new TokenRejected("bad_claims", "The access token names no subject and no client.");
  return { kind: "oauth", id, clientId, scopes: scopesOf(claims) };
}

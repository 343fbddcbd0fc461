/**
 * MCP_AUTH=oauth: this server as an OAuth 2.1 resource server (MCP authorization, 2025-11-25 and
 * 2026-07-28). The authorization server is someone else's (OAUTH_ISSUER); this side publishes Protected
 * Resource Metadata (RFC 9728), challenges with `WWW-Authenticate: Bearer resource_metadata=…, scope=…`,
 * verifies access tokens locally (./verify.ts), and asks for the write scope per tool (403
 * insufficient_scope) so clients step up. Tokens are read from the Authorization header only, and
 * never handed on: tools get the principal's ids and scopes, not the token.
 */
import {
  buildOAuthProtectedResourceMetadata,
  bearerAuthChallengeResponse,
  getOAuthProtectedResourceMetadataUrl,
  type OAuthMetadata,
  OAuthError,
  OAuthErrorCode,
} from "@modelcontextprotocol/server";
import type { OAuthConfig } from "../../../config-oauth.ts";
import { rpcError } from "../../errors.ts";
import { type Authenticator, type AuthFailure, authInfoOf } from "../authenticator.ts";
import { createIntrospector } from "./introspect.ts";
import { createJwtVerifier, KeysUnavailable, TokenRejected } from "./verify.ts";

export interface OAuthOptions {
  /** Timeout of each request to the authorization server. Default 5 s. */
  fetchTimeoutMs?: number;
}

const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

export function oauthAuthenticator(cfg: OAuthConfig, opts: OAuthOptions = {}): Authenticator {
  const fetchTimeoutMs = opts.fetchTimeoutMs ?? 5000;
  const verifyJwt = createJwtVerifier(cfg, { jwksCooldownMs: cfg.jwksCooldownSeconds * 1000, fetchTimeoutMs });
  const introspect = cfg.introspection ? createIntrospector(cfg, { fetchTimeoutMs }) : undefined;
  // A JWT has three dot-separated parts; anything else is opaque and goes to introspection when configured.
  const verify = (token: string) => (introspect && token.split(".").length !== 3 ? introspect(token) : verifyJwt(token));
  const resource = new URL(cfg.resource);
  const metadataUrl = getOAuthProtectedResourceMetadataUrl(resource);
  const document = {
    // The SDK's helper reads only the issuer of the AS metadata it is given.
    ...buildOAuthProtectedResourceMetadata({
      oauthMetadata: { issuer: cfg.issuer } as OAuthMetadata,
      resourceServerUrl: resource,
      scopesSupported: [cfg.scopes.read, cfg.scopes.write],
      resourceName: "estat-mcp-cloud (e-Stat, Japan's official statistics)",
    }),
    bearer_methods_supported: ["header"],
  };
  // The path-inserted URL (RFC 9728 §3.1) and the root one, which clients of the 2025-03-26 era probe.
  const allScopes = `${cfg.scopes.read} ${cfg.scopes.write}`;
  const documentPaths = new Set([new URL(metadataUrl).pathname, "/.well-known/oauth-protected-resource"]);
  const fail = (status: AuthFailure["status"], reason: string, message: string): { ok: false; failure: AuthFailure } => ({
    ok: false,
    failure: { status, reason, message, uncounted: reason === "missing_token" },
  });
  const challengeHeader = (code: string, description: string, scopes: readonly string[]) =>
    bearerAuthChallengeResponse(new OAuthError(code, description), {
      requiredScopes: [...scopes],
      resourceMetadataUrl: metadataUrl,
    }).headers.get("www-authenticate") ?? "";

  return {
    mode: "oauth",
    async authenticate(ctx) {
      // RFC 6750 §2.3 allows URL tokens; we refuse them: URLs end up in logs, histories and Referer headers.
      if (Object.hasOwn(ctx.query, "access_token")) {
        return fail(400, "token_in_query", "Send the access token in the Authorization header (Bearer), never in the URL.");
      }
      const header = ctx.get("authorization");
      if (!header) {
        return fail(401, "missing_token", `Sign in: this server takes OAuth access tokens issued by ${cfg.issuer}.`);
      }
      const token = BEARER.exec(header)?.[1];
      if (!token) return fail(401, "malformed", "Send the access token as 'Authorization: Bearer <token>'.");
      try {
        const { principal, expiresAt } = await verify(token);
        return {
          ok: true,
          principal,
          authInfo: { ...authInfoOf(principal), expiresAt, resource, resourceMetadataUrl: metadataUrl },
        };
      } catch (err) {
        if (err instanceof TokenRejected) return fail(401, err.reason, err.message);
        if (err instanceof KeysUnavailable) {
          return fail(503, "as_unavailable", "Access tokens cannot be checked right now: the authorization server does not answer. Retry in a minute.");
        }
        throw err;
      }
    },
    challenge(ctx, failure) {
      ctx.status = failure.status;
      if (failure.status === 401) {
        // No error code when no credentials were sent (RFC 6750 §3.1); clients start sign-in from here.
        // Both scopes: the SDK's client registers itself (DCR) with the scope it is first challenged with,
        // and an AS that holds a client to its registered scopes (oidc-provider does) would then refuse
        // the step-up to the write scope. A user can still grant only reading; the 403 asks for more.
        ctx.set(
          "WWW-Authenticate",
          failure.reason === "missing_token"
            ? `Bearer resource_metadata="${metadataUrl}", scope="${allScopes}"`
            : challengeHeader(OAuthErrorCode.InvalidToken, failure.message, [cfg.scopes.read, cfg.scopes.write]),
        );
      } else if (failure.status === 403) {
        ctx.set("WWW-Authenticate", challengeHeader(OAuthErrorCode.InsufficientScope, failure.message, failure.scopes ?? []));
      } else if (failure.status === 400) {
        ctx.set("WWW-Authenticate", `Bearer error="invalid_request", resource_metadata="${metadataUrl}"`);
      } else {
        ctx.set("Retry-After", "30");
      }
      ctx.body = rpcError(-32001, failure.message);
    },
    wellKnown(ctx) {
      if (documentPaths.has(ctx.path)) {
        ctx.body = document;
        return true;
      }
      ctx.status = 404;
      ctx.body = {
        success: false,
        error: `Not found. This server is an OAuth resource server; its authorization server is ${cfg.issuer}, described at ${metadataUrl}.`,
      };
      return true;
    },
    scopesFor: (tool) => [tool.annotations.readOnlyHint === false ? cfg.scopes.write : cfg.scopes.read],
  };
}

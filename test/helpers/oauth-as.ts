/**
 * A real OAuth 2.1 authorization server for the tests: oidc-provider (a certified OpenID Provider) on
 * 127.0.0.1 with dynamic client registration, PKCE, resource indicators (RFC 8707) and JWT access
 * tokens (RFC 9068). Its interaction signs a test user in and consents to what was asked without a
 * browser. The test also holds the signing key, to craft tokens the AS would never issue.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import Provider, { errors } from "oidc-provider";

export interface AuthServerOptions {
  /** Resource indicators this AS issues tokens for (ours and, for the wrong-audience test, another). */
  resources: string[];
  scopes: string[];
  /** Resources whose access tokens are opaque (checked by introspection) instead of JWTs. */
  opaqueResources?: string[];
  /** Access token lifetime in seconds. Default 600. */
  accessTokenTtl?: number;
  /** Confidential clients for the client-credentials grant (tokens without a user). */
  clients?: { client_id: string; client_secret: string }[];
}

export interface AuthServer {
  issuer: string;
  /** Requests the AS answered, by path (`/jwks` counts key fetches). */
  hits: Map<string, number>;
  /** While true, /jwks answers 503 (the keys endpoint is down). */
  jwksDown: boolean;
  /** When set, the test user consents to these scopes only (as a user who unticks one would). */
  consentOnly?: string[];
  /** Publishes another signing key (a rotation); tokens signed with it name `kid`. */
  rotate(kid: string): Promise<void>;
  /** Signs any claims with the AS's current key (or a key it does not publish, `unpublished: true`). */
  sign(claims: JWTPayload, opts?: { kid?: string; typ?: string; unpublished?: boolean }): Promise<string>;
  /** The AS's public signing key, as a JWK (for the HS256-with-the-public-key attack). */
  publicJwk: JWK;
  clientCredentialsToken(clientId: string, secret: string, resource: string, scope: string): Promise<string>;
  close(): Promise<void>;
}

async function rsaKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const priv = { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" };
  const pub = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return { privateKey, priv, pub };
}

export async function startAuthServer(opts: AuthServerOptions): Promise<AuthServer> {
  const keys = [await rsaKey("as-key-1")];
  const stranger = await rsaKey("not-published");
  const server: Server = (await import("node:http")).createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let provider = build();
  function build() {
    const p = new Provider(issuer, {
      jwks: { keys: keys.map((k) => k.priv) },
      cookies: { keys: ["estat-test-cookie-key-0000000000"] },
      clients: (opts.clients ?? []).map((c) => ({
        ...c,
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
      })),
      scopes: ["openid", "offline_access", ...opts.scopes],
      features: {
        devInteractions: { enabled: false },
        registration: { enabled: true },
        clientCredentials: { enabled: true },
        introspection: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => opts.resources[0],
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, indicator) => {
            if (!opts.resources.includes(indicator)) throw new errors.InvalidTarget();
            return {
              scope: opts.scopes.join(" "),
              audience: indicator,
              accessTokenTTL: opts.accessTokenTtl ?? 600,
              accessTokenFormat: opts.opaqueResources?.includes(indicator) ? "opaque" : "jwt",
              jwt: { sign: { alg: "RS256" } },
            };
          },
        },
      },
      pkce: { required: () => true },
      ttl: { AuthorizationCode: 60, ClientCredentials: 600, Grant: 3600, Interaction: 600, RefreshToken: 3600, Session: 3600 },
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
      findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    });
    p.use(async (ctx, next) => {
      as.hits.set(ctx.path, (as.hits.get(ctx.path) ?? 0) + 1);
      if (ctx.path === "/jwks" && as.jwksDown) {
        ctx.status = 503;
        ctx.body = "down";
        return;
      }
      if (!ctx.path.startsWith("/interaction/")) return next();
      await interact(p, ctx, as.consentOnly);
    });
    return p;
  }
  server.on("request", (req, res) => provider.callback()(req, res));

  const as: AuthServer = {
    issuer,
    hits: new Map(),
    jwksDown: false,
    publicJwk: keys[0].pub,
    async rotate(kid) {
      keys.unshift(await rsaKey(kid));
      provider = build();
    },
    async sign(claims, o = {}) {
      const key = o.unpublished ? stranger : keys[0];
      return new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: o.kid ?? key.priv.kid, typ: o.typ ?? "at+jwt" })
        .sign(key.privateKey);
    },
    async clientCredentialsToken(clientId, secret, resource, scope) {
      const res = await fetch(`${issuer}/token`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`,
        },
        body: new URLSearchParams({ grant_type: "client_credentials", resource, scope }),
      });
      const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!body.access_token) throw new Error(`client_credentials: ${body.error}: ${body.error_description}`);
      return body.access_token;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return as;
}

/** The test user signs in, then consents to exactly what the client asked for. No browser, no form. */
async function interact(
  provider: Provider,
  ctx: { req: IncomingMessage; res: ServerResponse; respond?: boolean },
  consentOnly: string[] | undefined,
) {
  ctx.respond = false;
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.prompt.name === "login") {
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: "test-user" } }, { mergeWithLastSubmission: false });
    return;
  }
  const { accountId } = details.session as { accountId: string };
  const clientId = details.params.client_id as string;
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId });
  if (!grant) throw new Error("grant not found");
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    const granted = scopes.filter((sc) => !consentOnly || consentOnly.includes(sc));
    const declined = scopes.filter((sc) => !granted.includes(sc));
    if (granted.length > 0) grant.addResourceScope(indicator, granted.join(" "));
    if (declined.length > 0) grant.rejectResourceScope(indicator, declined.join(" "));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/**
 * MCP_AUTH=oauth settings: part of server/config.ts's environment (it passes the parsed values here;
 * nothing here reads process.env). Every problem is reported with the variable to set.
 */
import { z } from "zod";
import { ConfigError } from "./config-error.ts";
import { num } from "./config-number.ts";

const list = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? "")
      .split(/[\s,]+/)
      .map((x) => x.trim())
      .filter(Boolean),
  );

/** Asymmetric algorithms only: `none` and HS* (a shared secret, or the AS's public key misused as one) never. */
export const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

export const OAuthEnv = {
  OAUTH_ISSUER: z.string().optional(),
  OAUTH_AUDIENCE: z.string().trim().min(1).optional(),
  OAUTH_SCOPES: list,
  OAUTH_SCOPE_PREFIX: z.string().optional(),
  OAUTH_CLIENT_IDS: list,
  OAUTH_ALGORITHMS: list,
  OAUTH_JWKS_URL: z.string().optional(),
  OAUTH_INTROSPECTION_URL: z.string().optional(),
  OAUTH_INTROSPECTION_CLIENT_ID: z.string().optional(),
  OAUTH_INTROSPECTION_CLIENT_SECRET: z.string().optional(),
  OAUTH_CLOCK_TOLERANCE_SECONDS: num(30, { min: 0, max: 300 }),
  OAUTH_JWKS_COOLDOWN_SECONDS: num(30, { min: 1, max: 3600 }),
};

type OAuthEnvValues = z.output<z.ZodObject<typeof OAuthEnv>>;

export interface OAuthConfig {
  /** Compared exactly with each token's `iss` and the AS metadata's `issuer`. */
  issuer: string;
  /** The canonical URL of this server's /mcp: the RFC 8707 resource clients ask tokens for. */
  resource: string;
  /** Required in `aud`; undefined only in the Cognito-style mode (allowed client ids, no `aud`). */
  audience: string | undefined;
  scopes: { read: string; write: string };
  /** When set, a token's `client_id` must be one of these. */
  clientIds: string[];
  algorithms: string[];
  jwksUrl: string | undefined;
  /** RFC 7662 introspection for opaque access tokens (JWTs are always verified locally). */
  introspection: { url: string; clientId: string; clientSecret: string } | undefined;
  clockToleranceSeconds: number;
  /** Least time between two key fetches caused by tokens naming an unknown `kid`. */
  jwksCooldownSeconds: number;
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

function httpsUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be a URL (https://…), got "${value}".`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK_NAMES.has(url.hostname))) {
    throw new ConfigError(`${name} must be an https:// URL (http:// only for localhost), got "${value}".`);
  }
  if (url.hash || url.search) throw new ConfigError(`${name} must have no query string or fragment, got "${value}".`);
  return url;
}

/** The OAuth settings, or undefined when MCP_AUTH is not oauth (then none of them may be set). */
export function parseOAuth(
  e: OAuthEnvValues,
  mode: "keys" | "none" | "oauth",
  publicBaseUrl: string | undefined,
): OAuthConfig | undefined {
  if (mode !== "oauth") {
    if (e.OAUTH_ISSUER) {
      throw new ConfigError(`OAUTH_ISSUER is set but MCP_AUTH is "${mode}": set MCP_AUTH=oauth to use it, or unset OAUTH_ISSUER.`);
    }
    return undefined;
  }
  const problems: string[] = [];
  if (!e.OAUTH_ISSUER) problems.push("OAUTH_ISSUER: the authorization server's issuer URL (e.g. https://tenant.example.auth0.com/)");
  if (!publicBaseUrl) {
    problems.push("PUBLIC_BASE_URL: this server's public https URL (tokens name it as their audience, RFC 8707)");
  }
  if (problems.length > 0) throw new ConfigError(`MCP_AUTH=oauth needs:\n  - ${problems.join("\n  - ")}`);
  const issuer = e.OAUTH_ISSUER as string;
  httpsUrl("OAUTH_ISSUER", issuer);
  const resource = new URL("/mcp", httpsUrl("PUBLIC_BASE_URL", publicBaseUrl as string)).href;
  const names = e.OAUTH_SCOPES.length > 0 ? e.OAUTH_SCOPES : ["estat:read", "estat:write"];
  if (names.length !== 2 || names[0] === names[1]) {
    throw new ConfigError(
      `OAUTH_SCOPES must name two different scopes, reading then writing the lake (default "estat:read,estat:write"), got "${names.join(",")}".`,
    );
  }
  const prefix = e.OAUTH_SCOPE_PREFIX ?? "";
  const algorithms = e.OAUTH_ALGORITHMS.length > 0 ? e.OAUTH_ALGORITHMS : ALGORITHMS;
  const refused = algorithms.filter((a) => !ALGORITHMS.includes(a));
  if (refused.length > 0) {
    throw new ConfigError(`OAUTH_ALGORITHMS: ${refused.join(", ")} not accepted (never none or HS*). Choose from: ${ALGORITHMS.join(", ")}.`);
  }
  const introspection = e.OAUTH_INTROSPECTION_URL
    ? {
        url: httpsUrl("OAUTH_INTROSPECTION_URL", e.OAUTH_INTROSPECTION_URL).href,
        clientId: e.OAUTH_INTROSPECTION_CLIENT_ID ?? "",
        clientSecret: e.OAUTH_INTROSPECTION_CLIENT_SECRET ?? "",
      }
    : undefined;
  if (introspection && (!introspection.clientId || !introspection.clientSecret)) {
    throw new ConfigError(
      "OAUTH_INTROSPECTION_URL needs OAUTH_INTROSPECTION_CLIENT_ID and OAUTH_INTROSPECTION_CLIENT_SECRET (the credentials this server introspects with).",
    );
  }
  return {
    issuer,
    resource,
    // Cognito-style: with allowed client ids and no audience set, `aud` is not checked (Cognito sets none).
    audience: e.OAUTH_AUDIENCE ?? (e.OAUTH_CLIENT_IDS.length > 0 ? undefined : resource),
    scopes: { read: `${prefix}${names[0]}`, write: `${prefix}${names[1]}` },
    clientIds: e.OAUTH_CLIENT_IDS,
    algorithms,
    jwksUrl: e.OAUTH_JWKS_URL ? httpsUrl("OAUTH_JWKS_URL", e.OAUTH_JWKS_URL).href : undefined,
    introspection,
    clockToleranceSeconds: e.OAUTH_CLOCK_TOLERANCE_SECONDS,
    jwksCooldownSeconds: e.OAUTH_JWKS_COOLDOWN_SECONDS,
  };
}

/**
 * The auth seam: one Authenticator per deployment (MCP_AUTH = keys | none | oauth). The middleware
 * (./middleware.ts) asks it who is calling, and lets it answer failures and /.well-known/* itself,
 * so the rules a client reads to decide whether to start OAuth live in one place per mode.
 */
import type { AuthInfo } from "@modelcontextprotocol/server";
import type Koa from "koa";

export type AuthMode = "keys" | "none" | "oauth";

/** Who is calling. Ids only: never a key or a token. */
export interface Principal {
  kind: "key" | "oauth" | "anonymous";
  /** A stable id safe to log: `key_1a2b3c4d`, or the token's `sub`. */
  id: string;
  /** The OAuth client the token was issued to. */
  clientId?: string;
  scopes: readonly string[];
}

/** Why a request was refused; `reason` is a short word for the log, `message` is for the caller. */
export interface AuthFailure {
  status: 400 | 401 | 403 | 503;
  reason: string;
  message: string;
  /** Scopes to name in the challenge (OAuth). */
  scopes?: readonly string[];
  /** Not counted against the caller's address: the ordinary first step of an OAuth sign-in. */
  uncounted?: boolean;
}

export type AuthOutcome =
  | { ok: true; principal: Principal; /** What tools get, when more than authInfoOf(principal). */ authInfo?: AuthInfo }
  | { ok: false; failure: AuthFailure };

export interface Authenticator {
  readonly mode: AuthMode;
  authenticate(ctx: Koa.Context): Promise<AuthOutcome>;
  /** Answers a refused request: status, WWW-Authenticate (or none) and body, the same on every route. */
  challenge(ctx: Koa.Context, failure: AuthFailure): void;
  /** Answers GET /.well-known/* when this mode owns the path; false leaves it to the plain 404. */
  wellKnown(ctx: Koa.Context): boolean;
  /** The scopes a tool needs (OAuth only); undefined means every authenticated caller may call it. */
  scopesFor?(tool: { name: string; annotations: { readOnlyHint?: boolean } }): readonly string[];
}

/**
 * The principal as the MCP SDK hands it to tools (`ctx.http.authInfo`), set on `req.auth`.
 * The credential itself stays in the Authorization header: tools never get a token to pass on.
 */
export function authInfoOf(principal: Principal): AuthInfo {
  return {
    token: "",
    clientId: principal.clientId ?? principal.id,
    scopes: [...principal.scopes],
    extra: { kind: principal.kind, principal: principal.id },
  };
}

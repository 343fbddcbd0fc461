/**
 * Authentication for every route but health checks and CORS preflights, through one Authenticator.
 * Failed attempts are counted per client address before any credential is checked, so guessing keys
 * or tokens is throttled (the per-key limiter runs after authentication and never sees them).
 */
import type Koa from "koa";
import { RateLimiterMemory, RateLimiterRes } from "../../limiter.ts";
import { requestContext } from "../../context.ts";
import { rpcError } from "../errors.ts";
import { isOpenPath } from "../open-paths.ts";
import { type Authenticator, authInfoOf } from "./authenticator.ts";

export interface AuthMiddlewareOptions {
  /** Failed authentications allowed per client address per minute; 0 disables the throttle. */
  failuresPerMinute: number;
}

declare module "node:http" {
  interface IncomingMessage {
    /** The authenticated principal, which the MCP SDK's Node adapter hands to tools as `authInfo`. */
    auth?: import("@modelcontextprotocol/server").AuthInfo;
  }
}

export function authenticate(authenticator: Authenticator, opts: AuthMiddlewareOptions): Koa.Middleware {
  const window = 60;
  const failures =
    opts.failuresPerMinute > 0 ? new RateLimiterMemory({ points: opts.failuresPerMinute, duration: window }) : undefined;

  // Addresses over the budget, until when: a synchronous look-up, so a good request pays nothing for it.
  const blockedUntil = new Map<string, number>();
  const block = (address: string, res: RateLimiterRes) => {
    const now = Date.now();
    if (blockedUntil.size > 10_000) for (const [a, until] of blockedUntil) if (until <= now) blockedUntil.delete(a);
    blockedUntil.set(address, now + res.msBeforeNext);
  };

  const throttled = (ctx: Koa.Context, msBeforeNext: number) => {
    const retry = Math.max(1, Math.ceil(msBeforeNext / 1000));
    ctx.set("Retry-After", String(retry));
    ctx.status = 429;
    ctx.body = rpcError(
      -32029,
      `Too many failed authentications from this address (${opts.failuresPerMinute} per ${window} s). Retry after ${retry} s.`,
    );
  };

  return async (ctx, next) => {
    if (isOpenPath(ctx.path) || ctx.method === "OPTIONS") return next();
    if (ctx.path.startsWith("/.well-known/")) {
      return ctx.method === "GET" && authenticator.wellKnown(ctx) ? undefined : next();
    }
    if (authenticator.mode === "none") return next();
    const store = requestContext.getStore();
    const address = `ip:${ctx.ip}`;
    const until = blockedUntil.get(address);
    if (until !== undefined) {
      if (until > Date.now()) {
        if (store) store.authFailure = "throttled";
        return throttled(ctx, until - Date.now());
      }
      blockedUntil.delete(address);
    }
    const outcome = await authenticator.authenticate(ctx);
    if (!outcome.ok) {
      if (store) store.authFailure = outcome.failure.reason;
      // Only an unusable credential counts: an unreachable authorization server is not the caller's fault,
      // and a first request without a token is how every OAuth client starts.
      if (failures && outcome.failure.status !== 503 && !outcome.failure.uncounted) {
        try {
          const res = await failures.consume(address);
          if (res.remainingPoints === 0) block(address, res);
        } catch (err) {
          if (!(err instanceof RateLimiterRes)) throw err;
          block(address, err);
          return throttled(ctx, err.msBeforeNext);
        }
      }
      return authenticator.challenge(ctx, outcome.failure);
    }
    const { principal } = outcome;
    if (store) {
      if (principal.kind === "key") store.keyId = principal.id;
      else store.principal = principal.id;
      store.clientId = principal.clientId;
    }
    ctx.req.auth = outcome.authInfo ?? authInfoOf(principal);
    return next();
  };
}

/**
 * The per-tool scope check for the plain-HTTP face (/execute); /mcp gets the same through the SDK's
 * `scopeChallenge` (server/mcp.ts). False when the request was answered with a 403 insufficient_scope.
 */
export function toolAllowed(
  authenticator: Authenticator,
  ctx: Koa.Context,
  tool: { name: string; annotations: { readOnlyHint?: boolean } },
): boolean {
  const needed = authenticator.scopesFor?.(tool);
  if (!needed) return true;
  const granted = new Set(ctx.req.auth?.scopes ?? []);
  const missing = needed.filter((s) => !granted.has(s));
  if (missing.length === 0) return true;
  const store = requestContext.getStore();
  if (store) store.authFailure = "insufficient_scope";
  authenticator.challenge(ctx, {
    status: 403,
    reason: "insufficient_scope",
    message: `${tool.name} needs the scope ${needed.join(" ")}: sign in again granting it.`,
    scopes: needed,
  });
  return false;
}

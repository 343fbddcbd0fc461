/**
 * Per-key request budget (per client IP when auth is off). In memory, so per instance by nature: the
 * fleet-wide limit belongs to the load balancer's firewall, which sees every instance's traffic.
 */
import type Koa from "koa";
import { RateLimiterMemory, RateLimiterRes } from "./limiter.ts";
import { requestContext } from "./context.ts";

export interface RateLimitOptions {
  /** Requests allowed per key in each window; 0 disables the limit. Default 100. */
  perMinute?: number;
  /** Who is counted: by default the authenticated key id, else the client IP (`ctx.ip`). */
  keyOf?: (ctx: Koa.Context) => string;
  /** Requests that are never counted (health checks). */
  skip?: (ctx: Koa.Context) => boolean;
  /** Length of the window in seconds. Default 60. */
  windowSeconds?: number;
}

export const keyIdOrIp = (ctx: Koa.Context): string => {
  const store = requestContext.getStore();
  if (store?.keyId) return store.keyId;
  if (store?.principal) return `sub:${store.principal}`;
  return `ip:${ctx.ip}`;
};

export function createRateLimit(opts: RateLimitOptions = {}): Koa.Middleware {
  const limit = opts.perMinute ?? 100;
  const window = opts.windowSeconds ?? 60;
  const keyOf = opts.keyOf ?? keyIdOrIp;
  if (limit === 0) return (_ctx, next) => next();
  const limiter = new RateLimiterMemory({ points: limit, duration: window });

  /** Spend `points` of the caller's budget; false (and a 429 answer on ctx) when it is spent. */
  const spend = async (ctx: Koa.Context, points: number): Promise<boolean> => {
    let res: RateLimiterRes;
    let allowed = true;
    try {
      res = await limiter.consume(keyOf(ctx), points);
    } catch (err) {
      // The memory store rejects with the limiter's state when the budget is spent, never with an Error.
      if (!(err instanceof RateLimiterRes)) throw err;
      res = err;
      allowed = false;
    }
    const resetSeconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    ctx.set({
      "RateLimit-Limit": String(limit),
      "RateLimit-Remaining": String(res.remainingPoints),
      "RateLimit-Reset": String(resetSeconds),
    });
    if (allowed) return true;
    ctx.set("Retry-After", String(resetSeconds));
    ctx.status = 429;
    ctx.body = {
      jsonrpc: "2.0",
      error: {
        code: -32029,
        message: `Rate limit exceeded: ${limit} requests per ${window} s. Retry after ${resetSeconds} s.`,
      },
      id: null,
    };
    return false;
  };

  return async (ctx, next) => {
    if (opts.skip?.(ctx)) return next();
    if (!(await spend(ctx, 1))) return;
    // A JSON-RPC batch costs one point per call in it: the route charges the rest once it has read the body.
    (ctx.state as RateLimitState).spendRateLimit = (points) => spend(ctx, points);
    return next();
  };
}

/** What the limiter leaves on `ctx.state` for routes whose cost is known only after reading the body. */
export interface RateLimitState {
  spendRateLimit?: (points: number) => Promise<boolean>;
}

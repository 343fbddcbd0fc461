/** Response headers every answer carries, and CORS for the browser origins that are allowed. */
import cors from "@koa/cors";
import type Koa from "koa";
import { type OriginRules, originAllowed } from "./host-origin.ts";

export function securityHeaders(): Koa.Middleware {
  // Not async: a middleware that only sets headers need not add a promise to every request's chain.
  return (ctx, next) => {
    ctx.set({
      "X-Content-Type-Options": "nosniff",
      "X-Frame-Options": "DENY",
      "Referrer-Policy": "no-referrer",
      "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
      "Cross-Origin-Resource-Policy": "same-origin",
      "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
      "Cache-Control": "no-store",
    });
    return next();
  };
}

export function corsFor(rules: OriginRules): Koa.Middleware {
  const withCors = cors({
    origin: (ctx) => {
      const origin = ctx.get("origin");
      return origin && originAllowed(origin, ctx.get("host"), rules) ? origin : "";
    },
    allowMethods: ["GET", "POST", "OPTIONS"],
    allowHeaders: [
      "Authorization",
      "X-API-Key",
      "Content-Type",
      "Accept",
      "MCP-Protocol-Version",
      "Mcp-Method",
      "Mcp-Name",
      "Last-Event-ID",
      "X-Request-Id",
    ],
    exposeHeaders: ["X-Request-Id", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"],
    maxAge: 600,
  });
  // Most requests are not from a browser: without an Origin, @koa/cors only adds `Vary: Origin`.
  return (ctx, next) => {
    if (ctx.get("origin")) return withCors(ctx, next);
    ctx.vary("Origin");
    return next();
  };
}

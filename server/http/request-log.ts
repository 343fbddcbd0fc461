/** One log line per request, and the request id in and out. */
import { randomBytes } from "node:crypto";
import type Koa from "koa";
import { type RequestContext, requestContext } from "../context.ts";
import type { Logger } from "../logger.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_LOGGED_PATH = 256;

/**
 * Ids for requests that bring none: a random prefix per process and a counter, unique across instances
 * and restarts without drawing randomness per request (randomUUID was 6 µs of each request's time).
 */
export function requestIds(): () => string {
  const prefix = randomBytes(6).toString("base64url");
  let n = 0;
  return () => `${prefix}-${(++n).toString(36)}`;
}

export function requestLog(logger: Logger): Koa.Middleware {
  const nextId = requestIds();
  // The line is built here from known fields only, never from headers or bodies, so pino's path redaction
  // (wildcard paths walked on every line: 18 µs a request) has nothing to find in it. The root logger's
  // scrub of the configured secrets (appId, API keys) still runs on it, as on every line.
  const lines = logger.child({}, { redact: { paths: [] } });
  return async (ctx, next) => {
    const incoming = ctx.get("x-request-id");
    const id = REQUEST_ID.test(incoming) ? incoming : nextId();
    ctx.set("X-Request-Id", id);
    const store: RequestContext = { id, upstream: 0, upstreamMs: 0, ip: ctx.ip };
    const started = performance.now();
    await requestContext.run(store, async () => {
      try {
        await next();
      } finally {
        const finish = () =>
          lines.info(
            {
              event: "request",
              id,
              method: ctx.method,
              // Bounded: a request line can be ~16 KB long, and a failed authentication costs an attacker nothing.
              path: ctx.path.length > MAX_LOGGED_PATH ? `${ctx.path.slice(0, MAX_LOGGED_PATH)}…` : ctx.path,
              status: ctx.respond === false ? ctx.res.statusCode : ctx.status,
              durationMs: Math.round(performance.now() - started),
              rpcMethod: store.rpcMethod,
              batch: store.batch,
              tool: store.tool,
              toolError: store.toolError,
              keyId: store.keyId,
              principal: store.principal,
              clientId: store.clientId,
              authFailure: store.authFailure,
              upstream: store.upstream,
              upstreamMs: store.upstreamMs,
            },
            "request",
          );
        if (ctx.respond === false && !ctx.res.writableFinished) {
          ctx.res.once("close", finish);
        } else {
          finish();
        }
      }
    });
  };
}

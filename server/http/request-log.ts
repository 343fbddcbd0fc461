/** One log line per request, and the request id in and out. */
import { randomUUID } from "node:crypto";
import type Koa from "koa";
import { type RequestContext, requestContext } from "../context.ts";
import type { Logger } from "../logger.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_LOGGED_PATH = 256;

export function requestLog(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get("x-request-id");
    const id = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.set("X-Request-Id", id);
    const store: RequestContext = { id, upstream: 0, upstreamMs: 0, ip: ctx.ip };
    const started = performance.now();
    await requestContext.run(store, async () => {
      try {
        await next();
      } finally {
        const finish = () =>
          logger.info(
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

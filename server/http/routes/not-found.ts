/** The last middleware: a 404 that names the routes there are. */
import type Koa from "koa";

export function notFound(): Koa.Middleware {
  return async (ctx) => {
    if (ctx.status === 404 && ctx.body === undefined) {
      // No OAuth here: a plain 404 on /.well-known keeps clients from starting an OAuth flow against us.
      ctx.status = 404;
      ctx.body = {
        success: false,
        error: ctx.path.startsWith("/.well-known/")
          ? "Not found. This server takes API keys (Authorization: Bearer <key> or X-API-Key), not OAuth."
          : `No route ${ctx.method} ${ctx.path}. Try POST /mcp, GET /tools or POST /execute.`,
      };
    }
  };
}

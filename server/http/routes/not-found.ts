/** The last middleware: a 404 that names the routes there are. */
import type Koa from "koa";

export function notFound(): Koa.Middleware {
  return async (ctx) => {
    if (ctx.status === 404 && ctx.body === undefined) {
      // What /.well-known/* answers is the authenticator's to decide (http/auth/); this is every other path.
      ctx.status = 404;
      ctx.body = { success: false, error: `No route ${ctx.method} ${ctx.path}. Try POST /mcp, GET /tools or POST /execute.` };
    }
  };
}

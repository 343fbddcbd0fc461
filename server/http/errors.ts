/**
 * The HTTP face's error channel: 4xx say what was wrong; anything else is logged once and answered
 * generically, in the body format of the path's face (JSON-RPC on /mcp, `{ success, error }` elsewhere).
 */
import type Koa from "koa";
import { isPublicError } from "../errors.ts";
import type { Logger } from "../logger.ts";

/** An answer decided before the route ran (bad host, no key, body too large…), with its exact body. */
export class HttpError extends Error {
  readonly status: number;
  readonly expose = true;
  readonly body: unknown;
  constructor(status: number, message: string, body?: unknown) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export const rpcError = (code: number, message: string, id: unknown = null) => ({
  jsonrpc: "2.0",
  error: { code, message },
  id,
});

/** An HttpError by its shape (a public error with the body to send), not by class identity. */
export function isAnswer(err: unknown): err is HttpError {
  return isPublicError(err) && "body" in err;
}

export function errors(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (isAnswer(err)) {
        ctx.status = err.status;
        ctx.body = err.body ?? { success: false, error: err.message };
        return;
      }
      const status = (err as { status?: number }).status;
      if (typeof status === "number" && status >= 400 && status < 500) {
        ctx.status = status;
        ctx.body = { success: false, error: (err as Error).message };
        return;
      }
      logger.error({ event: "unhandled_error", err, path: ctx.path }, "unhandled error");
      ctx.status = 500;
      ctx.body =
        ctx.path === "/mcp" ? rpcError(-32603, "Internal error") : { success: false, error: "Internal error" };
    }
  };
}

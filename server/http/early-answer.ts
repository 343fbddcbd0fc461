/**
 * An answer given before the request's body was read (401, 403, 413, 429…) closes the connection: the
 * unread body would otherwise sit in the keep-alive socket, and the client's next request on it (undici
 * and every MCP SDK client reuse sockets) would hang or fail with ECONNRESET. Node discards what the
 * client still sends while the answer goes out; the socket is closed after it, so a client dribbling a
 * body cannot hold it.
 */
import type { IncomingMessage } from "node:http";
import type Koa from "koa";

const hasBody = (req: IncomingMessage) =>
  req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;

export function closeAfterEarlyAnswer(): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      if (ctx.respond !== false && !ctx.req.complete && hasBody(ctx.req)) ctx.set("Connection", "close");
    }
  };
}

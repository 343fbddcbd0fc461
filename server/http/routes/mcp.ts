/**
 * POST /mcp: the MCP handler (both eras) takes the raw response; any other method is a 405.
 * A plain middleware, not a router: it is the route nearly every request takes, and the app puts it
 * first among the routes, so an MCP request matches no router's table on its way (README, benchmarks).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type Koa from "koa";
import { toWebRequest } from "@modelcontextprotocol/node";
import type { McpHttpHandler } from "@modelcontextprotocol/server";
import { requestContext } from "../../context.ts";
import type { createMcp } from "../../mcp.ts";
import type { RateLimitState } from "../../rate-limit.ts";
import { checkBatch } from "../batch.ts";
import { rpcError } from "../errors.ts";
import { readJson } from "../read-json.ts";

/** The paths @koa/router matched for "/mcp" (not strict, not case-sensitive). */
const MCP_PATH = /^\/mcp\/?$/i;

export function mcpRoute(mcp: ReturnType<typeof createMcp>, maxBodyBytes: number): Koa.Middleware {
  return async (ctx, next) => {
    if (!MCP_PATH.test(ctx.path)) return next();
    if (ctx.method !== "POST") {
      ctx.set("Allow", "POST");
      ctx.status = 405;
      ctx.body = rpcError(-32000, "Method not allowed: this server is stateless; send JSON-RPC with POST.");
      return;
    }
    const body = await readJson(ctx, maxBodyBytes, true);
    const store = requestContext.getStore();
    if (Array.isArray(body)) {
      const batch = checkBatch(body, ctx.get("mcp-protocol-version"));
      if (store) {
        store.rpcMethod = "batch";
        store.batch = body.length;
        if (batch.tools.length > 0) store.tool = batch.tools.join(",");
      }
      // The limiter counted this POST as one request; the batch's other requests count too.
      const spend = (ctx.state as RateLimitState).spendRateLimit;
      if (spend && batch.requests > 1 && !(await spend(batch.requests - 1))) return;
    } else if (store && body && typeof body === "object") {
      const msg = body as { method?: unknown; params?: { name?: unknown } };
      if (typeof msg.method === "string") store.rpcMethod = msg.method.slice(0, 64);
      if (msg.method === "tools/call" && typeof msg.params?.name === "string")
        store.tool = msg.params.name.slice(0, 64);
    }
    ctx.respond = false;
    await answer(mcp.pick(body), ctx.req, ctx.res, body, maxBodyBytes);
  };
}

const STREAM_OPEN = new TextEncoder().encode(": stream open\n\n");

/**
 * The SDK's web-standard handler, answered on Node's response. The SDK's own bridge (toNodeHandler)
 * streams every answer, so a plain JSON one went out chunked (one more write and a terminator per
 * request) and, wrapped to gain a Content-Length, was read and copied twice: here a JSON answer is
 * read once and sent with its length. An SSE answer sends its first byte as the stream opens (a comment
 * clients ignore): Node sends the headers with the first body write, which would otherwise be the first
 * keep-alive 15 s later, close to Heroku's 30 s first-byte limit (H12) and a silence every proxy in
 * front saw. It says `no-store` like every other answer (the SDK sends `no-cache`, which lets a cache
 * keep a copy), and stops when the client goes (the SDK's exchange sees the request's signal abort).
 */
async function answer(
  handler: McpHttpHandler,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  maxRequestBodySize: number,
): Promise<void> {
  const gone = new AbortController();
  let finished = false;
  res.once("close", () => {
    if (!finished) gone.abort();
  });
  if (res.destroyed) gone.abort();
  let response: Response;
  try {
    const request = await toWebRequest(req, body, { signal: gone.signal, maxRequestBodySize });
    response = await handler.fetch(request, { ...(req.auth !== undefined && { authInfo: req.auth }), parsedBody: body });
  } catch {
    // What the SDK's bridge answers too; the handler reports its own failures through onerror.
    response = Response.json(rpcError(-32603, "Internal server error", echoableId(body)), { status: 500 });
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of response.headers) headers[name] = value;
  const stream = (headers["content-type"] ?? "").startsWith("text/event-stream");
  if (response.body === null || !stream) {
    const bytes = response.body === null ? undefined : Buffer.from(await response.arrayBuffer());
    if (response.status !== 204 && response.status !== 304) headers["content-length"] = String(bytes?.byteLength ?? 0);
    finished = true;
    res.writeHead(response.status, headers);
    res.end(bytes);
    return;
  }
  headers["cache-control"] = "no-store, no-transform";
  res.writeHead(response.status, headers);
  res.write(STREAM_OPEN);
  let drained: (() => void) | undefined;
  const onDrain = () => {
    drained?.();
    drained = undefined;
  };
  res.on("drain", onDrain);
  const closed = new Promise<void>((resolve) => gone.signal.addEventListener("abort", () => resolve(), { once: true }));
  try {
    for await (const chunk of response.body) {
      if (gone.signal.aborted) break;
      if (!res.write(chunk)) await Promise.race([new Promise<void>((resolve) => (drained = resolve)), closed]);
    }
  } catch {
    // The stream failed or the client left: end what was sent.
  } finally {
    res.off("drain", onDrain);
    finished = true;
    res.end();
  }
}

/** The id a 500 may echo: a single request's string or number id, else null (as the SDK's bridge). */
function echoableId(body: unknown): string | number | null {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return null;
  const { method, id } = body as { method?: unknown; id?: unknown };
  if (typeof method !== "string") return null;
  return typeof id === "string" || typeof id === "number" ? id : null;
}

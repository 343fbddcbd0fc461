/** POST /mcp: the MCP handler (both eras) takes the raw response; any other method is a 405. */
import Router from "@koa/router";
import { toNodeHandler } from "@modelcontextprotocol/node";
import type { McpHttpHandler } from "@modelcontextprotocol/server";
import { requestContext } from "../../context.ts";
import type { createMcp } from "../../mcp.ts";
import type { RateLimitState } from "../../rate-limit.ts";
import { checkBatch } from "../batch.ts";
import { rpcError } from "../errors.ts";
import { readJson } from "../read-json.ts";

export function mcpRoutes(mcp: ReturnType<typeof createMcp>, maxBodyBytes: number): Router {
  const router = new Router();
  const node = {
    auto: toNodeHandler(withFirstByte(ourHeaders(mcp.auto)), { maxRequestBodySize: maxBodyBytes }),
    sse: toNodeHandler(withFirstByte(ourHeaders(mcp.sse)), { maxRequestBodySize: maxBodyBytes }),
  };
  router.post("/mcp", async (ctx) => {
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
    await (mcp.pick(body) === mcp.sse ? node.sse : node.auto)(ctx.req, ctx.res, body);
  });
  router.all("/mcp", (ctx) => {
    ctx.set("Allow", "POST");
    ctx.status = 405;
    ctx.body = rpcError(-32000, "Method not allowed: this server is stateless; send JSON-RPC with POST.");
  });
  return router;
}

/**
 * Plain JSON answers with a Content-Length. The SDK's JSON Response has none, so the Node bridge sent it
 * chunked: one more write and a terminator per request, which showed in the profile as writev time.
 * SSE answers keep their stream, but say `no-store` like every other answer (the SDK sends `no-cache`,
 * which lets a cache keep a copy).
 */
function ourHeaders(handler: McpHttpHandler): McpHttpHandler {
  const fetch: McpHttpHandler["fetch"] = async (request, options) => {
    const response = await handler.fetch(request, options);
    const type = response.headers.get("content-type") ?? "";
    if (type.startsWith("text/event-stream")) {
      response.headers.set("cache-control", "no-store, no-transform");
      return response;
    }
    if (response.body === null || !type.startsWith("application/json")) return response;
    const body = new Uint8Array(await response.arrayBuffer());
    const headers = new Headers(response.headers);
    headers.set("content-length", String(body.byteLength));
    return new Response(body, { status: response.status, headers });
  };
  return { ...handler, fetch };
}

const STREAM_OPEN = new TextEncoder().encode(": stream open\n\n");

/**
 * An SSE answer's first byte at once: Node sends a response's headers with its first body write, which
 * for a stream was its first keep-alive (15 s later), close to Heroku's 30 s first-byte limit (H12)
 * and a silence every proxy in front saw. A comment (clients ignore it) goes out as the stream opens.
 */
function withFirstByte(handler: McpHttpHandler): McpHttpHandler {
  const fetch: McpHttpHandler["fetch"] = async (request, options) => {
    const response = await handler.fetch(request, options);
    if (response.body === null || !(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
      return response;
    }
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        start(controller) {
          controller.enqueue(STREAM_OPEN);
        },
      }),
    );
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { ...handler, fetch };
}

/**
 * createApp(deps): the Koa application: middleware and routes. It never listens; main.ts does.
 */
import { randomUUID } from "node:crypto";
import cors from "@koa/cors";
import Router from "@koa/router";
import { toNodeHandler } from "@modelcontextprotocol/node";
import { type McpHttpHandler, validateHostHeader, validateOriginHeader } from "@modelcontextprotocol/server";
import Koa from "koa";
import getRawBody from "raw-body";
import { z } from "zod";
import { createKeyChecker, presentedKey } from "./auth.ts";
import { type Config, secretsOf } from "./config.ts";
import { type RequestContext, requestContext } from "./context.ts";
import { deadline } from "./deadline.ts";
import { isPublicError, statusFor, ToolTimeoutError, toolErrorMessage } from "./errors.ts";
import type { EstatClient } from "./estat/client.ts";
import type { Logger } from "./logger.ts";
import { createMcp } from "./mcp.ts";
import { createRateLimit } from "./rate-limit.ts";
import { verifyDownload } from "./lake/download.ts";
import { LakeError } from "./lake/errors.ts";
import type { Lake } from "./lake/types.ts";
import type { ToolDef } from "./tools/registry.ts";

export interface AppDeps {
  config: Config;
  logger: Logger;
  tools: ToolDef[];
  estat: EstatClient;
  /** Extra readiness checks (the data lake…): name → throws when not usable. */
  readiness?: Record<string, () => Promise<void>>;
  lake: Lake;
  /** Signs and checks the filesystem lake's download links. */
  signingKey: string;
  /** The address download links should use, once the server listens (unless PUBLIC_BASE_URL is set). */
  setPublicBaseUrl: (url: string) => void;
}

export interface AppHandle {
  app: Koa;
  /** Flip /readyz to 503 (shutdown has begun). */
  setDraining(): void;
  /** Tear down the MCP handler's in-flight modern exchanges. */
  close(): Promise<void>;
}

const OPEN_PATHS = new Set(["/healthz", "/readyz"]);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_JSON_DEPTH = 32;

const ExecuteBody = z.object({
  tool_name: z.string().min(1).max(100),
  arguments: z.record(z.string(), z.unknown()).optional().default({}),
});

class HttpError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, message: string, body?: unknown) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

const rpcError = (code: number, message: string, id: unknown = null) => ({
  jsonrpc: "2.0",
  error: { code, message },
  id,
});

export function createApp(deps: AppDeps): AppHandle {
  const { config, logger, tools } = deps;
  // Only the proxies we run in front append to X-Forwarded-For; anything further left is the client's word.
  const app = new Koa({ proxy: config.trustedProxyHops > 0, maxIpsCount: Math.max(1, config.trustedProxyHops) });
  const router = new Router();
  const checkKey = createKeyChecker(config.auth.keys);
  const secrets = secretsOf(config);
  let draining = false;

  const mcp = createMcp({
    tools,
    streamAfterMs: config.streamAfterMs,
    keepAliveMs: config.keepAliveMs,
    toolTimeoutMs: config.toolTimeoutMs,
    maxBodyBytes: config.maxBodyBytes,
    onToolError: (tool, err) => toolFailed(tool, err),
    onError: (err) => logger.debug({ event: "mcp_rejected", err: err.message }, "MCP request rejected"),
    secrets,
  });
  const mcpNode = {
    auto: toNodeHandler(withContentLength(mcp.auto), { maxRequestBodySize: config.maxBodyBytes }),
    sse: toNodeHandler(mcp.sse, { maxRequestBodySize: config.maxBodyBytes }),
  };

  function toolFailed(tool: string, err: unknown) {
    const store = requestContext.getStore();
    if (store) store.toolError = err instanceof Error ? err.name : "Error";
    const fields = {
      event: "tool_error",
      tool,
      kind: (err as { kind?: string }).kind ?? (err as Error).name,
      err: isPublicError(err) ? (err as Error).message : err,
    };
    if (isPublicError(err)) logger.warn(fields, "tool failed");
    else logger.error(fields, "tool crashed");
  }

  // One log line per request, and the request id in and out.
  app.use(async (ctx, next) => {
    const incoming = ctx.get("x-request-id");
    const id = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.set("X-Request-Id", id);
    const store: RequestContext = { id, upstream: 0, upstreamMs: 0 };
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
              path: ctx.path,
              status: ctx.respond === false ? ctx.res.statusCode : ctx.status,
              durationMs: Math.round(performance.now() - started),
              rpcMethod: store.rpcMethod,
              tool: store.tool,
              toolError: store.toolError,
              keyId: store.keyId,
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
  });

  // Errors: 4xx say what was wrong; anything else is logged once and answered generically.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof HttpError) {
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
        ctx.path === "/mcp"
          ? rpcError(-32603, "Internal error")
          : { success: false, error: "Internal error" };
    }
  });

  app.use(async (ctx, next) => {
    ctx.set({
      "X-Content-Type-Options": "nosniff",
      "X-Frame-Options": "DENY",
      "Referrer-Policy": "no-referrer",
      "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
      "Cross-Origin-Resource-Policy": "same-origin",
      "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
      "Cache-Control": "no-store",
    });
    await next();
  });

  app.use(
    cors({
      origin: (ctx) => {
        const origin = ctx.get("origin");
        return origin &&
          validateOriginHeader(origin, config.allowedOrigins).ok &&
          config.allowedOrigins.length > 0
          ? origin
          : "";
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
      exposeHeaders: [
        "X-Request-Id",
        "Retry-After",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
      ],
      maxAge: 600,
    }),
  );

  // DNS-rebinding protection: a browser tricked into calling us carries a foreign Host or Origin.
  app.use(async (ctx, next) => {
    if (OPEN_PATHS.has(ctx.path)) return next();
    if (config.allowedHosts.length > 0) {
      const host = validateHostHeader(ctx.get("host"), config.allowedHosts);
      if (!host.ok) {
        throw new HttpError(
          403,
          "Forbidden host",
          rpcError(-32000, `Forbidden: Host not allowed. Add it to ALLOWED_HOSTS.`),
        );
      }
    }
    const origin = ctx.get("origin");
    if (origin) {
      const allowed =
        config.allowedOrigins.length > 0 && validateOriginHeader(origin, config.allowedOrigins).ok;
      if (!allowed) {
        throw new HttpError(
          403,
          "Forbidden origin",
          rpcError(
            -32000,
            "Forbidden: Origin not allowed. Add it to ALLOWED_ORIGINS to call this server from a browser.",
          ),
        );
      }
    }
    return next();
  });

  // API keys: required everywhere but health checks.
  app.use(async (ctx, next) => {
    // /.well-known/* stays a plain 404 for everyone: a 401 there would send clients into an OAuth flow.
    if (
      OPEN_PATHS.has(ctx.path) ||
      ctx.path.startsWith("/.well-known/") ||
      config.auth.mode === "none" ||
      ctx.method === "OPTIONS"
    ) {
      return next();
    }
    const presented = presentedKey(ctx.headers);
    const id = checkKey(presented);
    if (!id) {
      ctx.set("WWW-Authenticate", 'Bearer realm="estat-mcp-cloud"');
      throw new HttpError(
        401,
        "Unauthorized",
        rpcError(
          -32001,
          presented
            ? "Unauthorized: the API key is not valid. Check MCP_API_KEYS on the server and the key in your client."
            : "Unauthorized: send the API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.",
        ),
      );
    }
    const store = requestContext.getStore();
    if (store) store.keyId = id;
    return next();
  });

  // Per key (per client IP without auth), per instance; the fleet-wide limit is the WAF's.
  app.use(createRateLimit({ perMinute: config.rateLimitPerMinute, skip: (ctx) => OPEN_PATHS.has(ctx.path) }));

  router.get("/healthz", (ctx) => {
    ctx.body = { status: "ok" };
  });

  router.get("/readyz", async (ctx) => {
    const checks: Record<string, string> = {};
    let ok = !draining;
    if (draining) checks.server = "shutting down";
    checks.estat = deps.estat.configured
      ? deps.estat.circuit === "open"
        ? "failing (circuit open)"
        : "configured"
      : "ESTAT_APP_ID is not set";
    if (!deps.estat.configured) ok = false;
    for (const [name, check] of Object.entries(deps.readiness ?? {})) {
      try {
        await check();
        checks[name] = "ok";
      } catch (err) {
        ok = false;
        checks[name] = isPublicError(err) ? err.message : "unavailable";
      }
    }
    ctx.status = ok ? 200 : 503;
    ctx.body = { status: ok ? "ready" : "not ready", checks };
  });

  const listing = tools.map((t) => ({
    name: t.name,
    description: t.description,
    inputSchema: z.toJSONSchema(t.inputSchema, { io: "input" }),
  }));
  const listTools = (ctx: Koa.Context) => {
    ctx.body = { success: true, tools: listing };
  };
  router.get("/tools", listTools);
  router.post("/tools", listTools);

  router.post("/execute", async (ctx) => {
    const parsed = ExecuteBody.safeParse(await readJson(ctx, config.maxBodyBytes));
    if (!parsed.success) {
      throw new HttpError(400, "bad body", {
        success: false,
        error: `Send {"tool_name": "...", "arguments": {...}}. ${z.prettifyError(parsed.error)}`,
      });
    }
    const tool = tools.find((t) => t.name === parsed.data.tool_name);
    if (!tool) {
      throw new HttpError(404, "unknown tool", {
        success: false,
        error: `Unknown tool "${parsed.data.tool_name}". Tools: ${tools.map((t) => t.name).join(", ")}.`,
      });
    }
    const store = requestContext.getStore();
    if (store) store.tool = tool.name;
    const args = tool.inputSchema.safeParse(parsed.data.arguments);
    if (!args.success) {
      throw new HttpError(400, "bad arguments", {
        success: false,
        error: `Invalid arguments for ${tool.name}: ${z.prettifyError(args.error)}`,
      });
    }
    const gone = new AbortController();
    const onClose = () => {
      if (!ctx.res.writableFinished) gone.abort();
    };
    // The response's "close" fires when the connection goes away before we answered (the request's
    // "close" fires as soon as its body has been read).
    ctx.res.once("close", onClose);
    const limit = deadline(gone.signal, config.toolTimeoutMs);
    try {
      const out = await tool.run(args.data, { signal: limit.signal });
      ctx.body = { success: true, result: out.structured };
    } catch (err) {
      const failure = limit.timedOut
        ? new ToolTimeoutError(
            `${tool.name} did not finish within ${Math.round(config.toolTimeoutMs / 1000)} s.`,
          )
        : err;
      toolFailed(tool.name, failure);
      ctx.status = statusFor(failure);
      ctx.body = {
        success: false,
        error: toolErrorMessage(failure, secrets),
      };
    } finally {
      limit.dispose();
      ctx.res.off("close", onClose);
    }
  });

  router.post("/mcp", async (ctx) => {
    const body = await readJson(ctx, config.maxBodyBytes, true);
    const store = requestContext.getStore();
    if (store && body && typeof body === "object" && !Array.isArray(body)) {
      const msg = body as { method?: unknown; params?: { name?: unknown } };
      if (typeof msg.method === "string") store.rpcMethod = msg.method.slice(0, 64);
      if (msg.method === "tools/call" && typeof msg.params?.name === "string")
        store.tool = msg.params.name.slice(0, 64);
    }
    ctx.respond = false;
    await (mcp.pick(body) === mcp.sse ? mcpNode.sse : mcpNode.auto)(ctx.req, ctx.res, body);
  });
  router.all("/mcp", (ctx) => {
    ctx.set("Allow", "POST");
    ctx.status = 405;
    ctx.body = rpcError(-32000, "Method not allowed: this server is stateless; send JSON-RPC with POST.");
  });

  // Download links of the filesystem lake: signed and time-limited, and behind the same API keys as /mcp.
  router.get(/^\/datasets\/.+/, async (ctx) => {
    let target: { datasetId: string; file: string };
    try {
      target = verifyDownload(ctx.path, ctx.query as Record<string, string>, deps.signingKey);
    } catch (err) {
      throw new HttpError(err instanceof LakeError ? err.status : 400, "bad link", {
        success: false,
        error: err instanceof Error ? err.message : "Invalid download link.",
      });
    }
    const file = await deps.lake.openDownload(target.datasetId, target.file).catch((err: unknown) => {
      throw new HttpError(err instanceof LakeError ? err.status : 500, "download failed", {
        success: false,
        error: err instanceof LakeError ? err.message : "Download failed.",
      });
    });
    ctx.set("Content-Disposition", `attachment; filename="${file.fileName}"`);
    ctx.set("Cache-Control", "private, max-age=0");
    ctx.type = file.contentType;
    ctx.length = file.bytes;
    ctx.body = file.stream;
  });

  app.use(router.routes());
  app.use(async (ctx) => {
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
  });

  app.on("error", (err) => logger.error({ event: "koa_error", err }, "server error"));

  return {
    app,
    setDraining: () => {
      draining = true;
    },
    close: () => mcp.close(),
  };
}

/**
 * Plain JSON answers with a Content-Length. The SDK's JSON Response has none, so the Node bridge sent it
 * chunked: one more write and a terminator per request, which showed in the profile as writev time.
 * SSE answers pass through untouched.
 */
function withContentLength(handler: McpHttpHandler): McpHttpHandler {
  const fetch: McpHttpHandler["fetch"] = async (request, options) => {
    const response = await handler.fetch(request, options);
    if (response.body === null || !(response.headers.get("content-type") ?? "").startsWith("application/json")) {
      return response;
    }
    const body = new Uint8Array(await response.arrayBuffer());
    const headers = new Headers(response.headers);
    headers.set("content-length", String(body.byteLength));
    return new Response(body, { status: response.status, headers });
  };
  return { ...handler, fetch };
}

/** Read a JSON body within the size limit; bad JSON is a 400 (a JSON-RPC parse error on /mcp). */
async function readJson(ctx: Koa.Context, limit: number, rpc = false): Promise<unknown> {
  let text: string;
  try {
    text = await getRawBody(ctx.req, { limit, encoding: "utf-8" });
  } catch (err) {
    const e = err as { type?: string; status?: number };
    if (e.type === "entity.too.large") {
      const message = `Request body too large: the limit is ${limit} bytes.`;
      throw new HttpError(413, message, rpc ? rpcError(-32000, message) : { success: false, error: message });
    }
    throw new HttpError(
      400,
      "unreadable body",
      rpc ? rpcError(-32700, "Parse error: unreadable body") : undefined,
    );
  }
  try {
    const value: unknown = JSON.parse(text);
    if (depth(value) > MAX_JSON_DEPTH) {
      const message = `JSON nested deeper than ${MAX_JSON_DEPTH} levels.`;
      throw new HttpError(
        400,
        message,
        rpc ? rpcError(-32600, `Invalid Request: ${message}`) : { success: false, error: message },
      );
    }
    return value;
  } catch (err) {
    if (err instanceof HttpError) throw err;
    const message = "Parse error: the body is not valid JSON.";
    throw new HttpError(400, message, rpc ? rpcError(-32700, message) : { success: false, error: message });
  }
}

function depth(value: unknown, level = 0): number {
  if (level > MAX_JSON_DEPTH) return level;
  if (value === null || typeof value !== "object") return level;
  let max = level + 1;
  for (const v of Object.values(value)) max = Math.max(max, depth(v, level + 1));
  return max;
}

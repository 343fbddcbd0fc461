/**
 * The MCP face: one stateless handler serving both protocol eras from a per-request server.
 * Tools come from the shared registry; this file only adapts them to the SDK.
 */
import {
  type CallToolResult,
  createMcpHandler,
  type McpHttpHandler,
  requireScopes,
  type McpRequestContext,
  McpServer,
  type ServerContext,
  type StandardSchemaWithJSON,
} from "@modelcontextprotocol/server";
import type { ToolDef } from "./tools/registry.ts";
import { mcpToolResult, runTool } from "./tools/run.ts";

export const SERVER_INFO = { name: "estat-mcp-cloud", version: "0.1.0" };

export const CREDIT =
  "このサービスは、政府統計総合窓口(e-Stat)のAPI機能を使用していますが、サービスの内容は国によって保証されたものではありません。";

export const INSTRUCTIONS = [
  "Tools over e-Stat (政府統計の総合窓口), Japan's official statistics.",
  "Typical flow: search_stats (keywords in Japanese, e.g. 人口 都道府県) → get_meta_info (dimensions and codes) →",
  "get_stats_data (rows, filtered by codes or names such as 東京都; page with startPosition). Values that e-Stat marks",
  "with symbols (-, X, ***) come back as null with the symbol in raw; notes explain them. Cite tables with get_table_url.",
  "Whole tables: save_dataset stores one (or a filtered part) in the data lake as Parquet, CSV or JSON and returns a",
  "datasetId; list_datasets shows what is stored; query_dataset filters, groups and aggregates it without e-Stat;",
  "get_download_url gives a time-limited link to its files. Only save_dataset writes anything.",
  "Files e-Stat publishes (Excel, CSV, PDF): get_data_catalog.",
  CREDIT,
].join("\n");

export interface McpOptions {
  tools: ToolDef[];
  /** After this long a running tool call switches its answer to an SSE stream (keep-alives every 15 s). */
  streamAfterMs: number;
  /** Interval of SSE keep-alive comments on streamed answers. */
  keepAliveMs: number;
  toolTimeoutMs: number;
  maxBodyBytes: number;
  /** Told about every failed tool call once, with the error (for the log). */
  onToolError?: (tool: string, err: unknown) => void;
  onError?: (err: Error) => void;
  /** Scrubbed from every error text a client sees (e-Stat messages are quoted back). */
  secrets?: readonly string[];
  /** The OAuth scopes each tool needs; the SDK answers a call without them with 403 insufficient_scope. */
  scopesFor?: (tool: ToolDef) => readonly string[];
}

/**
 * A zod schema whose JSON Schema is computed once. The SDK converts every tool's schemas on every
 * tools/list and tools/call; with a server per request (stateless), that conversion was most of the
 * CPU time of a request (see the README's benchmark notes).
 */
type JsonSchemaOptions = Parameters<StandardSchemaWithJSON["~standard"]["jsonSchema"]["input"]>[0];

export function withCachedJsonSchema<T extends StandardSchemaWithJSON>(schema: T): T {
  const std = schema["~standard"];
  const cache = new Map<string, Record<string, unknown>>();
  const memo =
    (io: "input" | "output") =>
    (options: JsonSchemaOptions): Record<string, unknown> => {
      const key = `${io}:${options.target}`;
      let json = cache.get(key);
      if (!json) {
        json = std.jsonSchema[io](options);
        cache.set(key, json);
      }
      return json;
    };
  const cached = { ...std, jsonSchema: { input: memo("input"), output: memo("output") } };
  return new Proxy(schema, {
    get: (target, prop, receiver) => (prop === "~standard" ? cached : Reflect.get(target, prop, receiver)),
  });
}

/**
 * The input schema as the SDK gets it: listed exactly (tools/list), never refused. runTool checks the
 * arguments (tools/arguments.ts), so a bad one gets the same words here, in either era, as on /execute;
 * the SDK's own check would answer first with its words ("Input validation error: …", issues joined by
 * commas) and /execute could only imitate them.
 */
export function checkedByRunner<T extends StandardSchemaWithJSON>(schema: T): T {
  const std = { ...schema["~standard"], validate: (value: unknown) => ({ value }) } as T["~standard"];
  return new Proxy(schema, {
    get: (target, prop, receiver) => (prop === "~standard" ? std : Reflect.get(target, prop, receiver)),
  });
}

export function createMcpServerFactory(opts: McpOptions) {
  const tools = opts.tools.map((tool) => ({
    tool,
    inputSchema: checkedByRunner(withCachedJsonSchema(tool.inputSchema)),
    outputSchema: withCachedJsonSchema(tool.outputSchema),
    scopeChallenge: scopeChallengeFor(opts.scopesFor?.(tool)),
  }));
  return () => {
    // listChanged false: the tool list never changes and a stateless server could not notify anyone.
    const server = new McpServer(SERVER_INFO, {
      capabilities: { logging: {}, tools: { listChanged: false } },
      instructions: INSTRUCTIONS,
    });
    for (const { tool, inputSchema, outputSchema, scopeChallenge } of tools) {
      server.registerTool(
        tool.name,
        {
          title: tool.title,
          description: tool.description,
          inputSchema,
          outputSchema,
          annotations: tool.annotations,
          ...(scopeChallenge ? { scopeChallenge } : {}),
        },
        (args: unknown, ctx: ServerContext) => callTool(tool, args, ctx, opts),
      );
    }
    return server;
  };
}

function scopeChallengeFor(scopes: readonly string[] | undefined) {
  if (!scopes || scopes.length === 0) return undefined;
  const [first, ...rest] = scopes;
  return requireScopes(first, ...rest);
}

/**
 * Reuses idle server instances instead of building one per request. Each instance still serves one
 * exchange at a time (the SDK asserts it); it returns to the pool when its exchange closes. Building
 * an McpServer and registering every tool was the largest cost left per request after the schema
 * cache; reusing instances roughly halves the in-process cost of a call (README, benchmark notes).
 */
export function pooledFactory(build: () => McpServer, maxIdle = 64) {
  // One pool per protocol era: the SDK installs era-specific handlers on an instance when it serves.
  const idle = { modern: [] as McpServer[], legacy: [] as McpServer[] };
  const pooled = new WeakSet<McpServer>();
  const factory = (ctx: McpRequestContext) => {
    const pool = idle[ctx.era];
    const server = pool.pop() ?? build();
    pooled.delete(server);
    forgetClientSettings(server);
    server.server.onclose = () => {
      // Close can be reported twice (transport and server); an instance must never sit in a pool twice.
      if (!pooled.has(server) && pool.length < maxIdle) {
        pooled.add(server);
        pool.push(server);
      }
    };
    return server;
  };
  return Object.assign(factory, { idleCount: () => idle.modern.length + idle.legacy.length });
}

/**
 * A stateless request starts from a clean instance: a `logging/setLevel` (2025 era) is kept by the SDK
 * on the instance (`_loggingLevels`), so a pooled instance would apply one client's level to the next.
 */
function forgetClientSettings(server: McpServer) {
  (server.server as unknown as { _loggingLevels?: Map<unknown, unknown> })._loggingLevels?.clear();
}

/**
 * Two handlers over one pool of server instances. "auto" answers with plain JSON and turns into an SSE
 * stream when the handler sends something before its result (the progress heartbeat below). A
 * 2026-07-28 client that asked for no progress may not be sent notifications at all (no log without
 * `logLevel` either), so its calls to tools that wait on e-Stat go to "sse", which streams from the
 * start and sends keep-alive comments every 15 s: nothing in front of us sees a silent connection.
 */
export function createMcp(opts: McpOptions) {
  const factory = pooledFactory(createMcpServerFactory(opts));
  const common = {
    legacy: "stateless" as const,
    keepAliveMs: opts.keepAliveMs,
    maxRequestBodySize: opts.maxBodyBytes,
    onerror: opts.onError,
  };
  const auto = createMcpHandler(factory, { ...common, responseMode: "auto" });
  const sse = createMcpHandler(factory, { ...common, responseMode: "sse" });
  const slowTools = new Set(opts.tools.filter((t) => t.annotations.openWorldHint).map((t) => t.name));
  return {
    auto,
    sse,
    /** Which handler a parsed JSON-RPC body should go to. */
    pick(body: unknown): McpHttpHandler {
      const msg = body as { method?: unknown; params?: { name?: unknown; _meta?: { progressToken?: unknown } } } | null;
      if (!msg || typeof msg !== "object" || msg.method !== "tools/call") return auto;
      if (typeof msg.params?.name !== "string" || !slowTools.has(msg.params.name)) return auto;
      return msg.params._meta?.progressToken === undefined ? sse : auto;
    },
    async close() {
      await Promise.all([auto.close(), sse.close()]);
    },
  };
}

async function callTool(
  tool: ToolDef,
  args: unknown,
  ctx: ServerContext,
  opts: McpOptions,
): Promise<CallToolResult> {
  const token = ctx.mcpReq._meta?.progressToken;
  const progress =
    token === undefined
      ? undefined
      : (p: { progress: number; total?: number; message?: string }) =>
          ctx.mcpReq.notify({ method: "notifications/progress", params: { progressToken: token, ...p } });
  // A related message turns the pending JSON answer into an SSE stream, which the SDK keeps alive with
  // comments every 15 s: proxies that cut idle connections (ALB, CloudFront, Heroku, nginx) see bytes.
  const streamTimer = setTimeout(() => {
    const message = "Still working: waiting for e-Stat…";
    // Progress when the client asked for it; otherwise a log message, which the SDK only sends where
    // the protocol allows it (2025 era, or a 2026 request that set a log level).
    const note = progress ? progress({ progress: 0, message }) : ctx.mcpReq.log("info", message, "estat-mcp");
    note.catch(() => {});
  }, opts.streamAfterMs);
  try {
    const outcome = await runTool(tool, args, {
      signal: ctx.mcpReq.signal,
      deadlineMs: opts.toolTimeoutMs,
      progress,
      secrets: opts.secrets ?? [],
      onFailure: opts.onToolError,
    });
    return mcpToolResult(outcome);
  } finally {
    clearTimeout(streamTimer);
  }
}

/**
 * The MCP face: one stateless handler serving both protocol eras from a per-request server.
 * Tools come from the shared registry; this file only adapts them to the SDK.
 */
import {
  type CallToolResult,
  createMcpHandler,
  McpServer,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { isPublicError, ToolTimeoutError } from "./errors.ts";
import type { ToolDef } from "./tools/registry.ts";

export const SERVER_INFO = { name: "estat-mcp-cloud", version: "0.1.0" };

export const CREDIT =
  "このサービスは、政府統計総合窓口(e-Stat)のAPI機能を使用していますが、サービスの内容は国によって保証されたものではありません。";

export const INSTRUCTIONS = [
  "Tools over e-Stat (政府統計の総合窓口), Japan's official statistics.",
  "Typical flow: search_stats (keywords in Japanese, e.g. 人口 都道府県) → get_meta_info (dimensions and codes) →",
  "get_stats_data (rows, filtered by codes or names such as 東京都). Values that e-Stat marks with symbols",
  "(-, X, ***) come back as null with the symbol in raw; notes explain them. Cite tables with get_table_url.",
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
}

export function createMcpServerFactory(opts: McpOptions) {
  return () => {
    const server = new McpServer(SERVER_INFO, { capabilities: { logging: {} }, instructions: INSTRUCTIONS });
    for (const tool of opts.tools) {
      server.registerTool(
        tool.name,
        {
          title: tool.title,
          description: tool.description,
          inputSchema: tool.inputSchema,
          outputSchema: tool.outputSchema,
          annotations: tool.annotations,
        },
        (args: unknown, ctx: ServerContext) => callTool(tool, args, ctx, opts),
      );
    }
    return server;
  };
}

export function createMcp(opts: McpOptions) {
  return createMcpHandler(createMcpServerFactory(opts), {
    legacy: "stateless",
    responseMode: "auto",
    keepAliveMs: opts.keepAliveMs,
    maxRequestBodySize: opts.maxBodyBytes,
    onerror: opts.onError,
  });
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
  const deadline = AbortSignal.timeout(opts.toolTimeoutMs);
  // A related message turns the pending JSON answer into an SSE stream, which the SDK keeps alive with
  // comments every 15 s: proxies that cut idle connections (ALB, CloudFront, Heroku, nginx) see bytes.
  const streamTimer = setTimeout(() => {
    const message = "Still working: waiting for e-Stat…";
    const note = progress
      ? progress({ progress: 0, message })
      : ctx.mcpReq.notify({
          method: "notifications/message",
          params: { level: "info", logger: "estat-mcp", data: message },
        });
    note.catch(() => {});
  }, opts.streamAfterMs);
  try {
    const out = await tool.run(args, { signal: AbortSignal.any([ctx.mcpReq.signal, deadline]), progress });
    return { content: [{ type: "text", text: out.text }], structuredContent: out.structured };
  } catch (err) {
    const failure = deadline.aborted
      ? new ToolTimeoutError(
          `${tool.name} did not finish within ${Math.round(opts.toolTimeoutMs / 1000)} s. Narrow the request and try again.`,
        )
      : err;
    opts.onToolError?.(tool.name, failure);
    return {
      isError: true,
      content: [
        {
          type: "text",
          text: isPublicError(failure)
            ? failure.message
            : "Internal error while running the tool; it has been logged.",
        },
      ],
    };
  } finally {
    clearTimeout(streamTimer);
  }
}

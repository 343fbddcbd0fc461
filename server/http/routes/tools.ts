/** The plain-HTTP face: GET|POST /tools lists the tools, POST /execute runs one. */
import Router from "@koa/router";
import type Koa from "koa";
import { z } from "zod";
import { requestContext } from "../../context.ts";
import { publicText } from "../../errors.ts";
import type { ToolDef } from "../../tools/registry.ts";
import { executeBody, runTool } from "../../tools/run.ts";
import { HttpError } from "../errors.ts";
import { readJson } from "../read-json.ts";
import type { ToolFailed } from "../tool-log.ts";

export interface ToolRoutesOptions {
  tools: ToolDef[];
  maxBodyBytes: number;
  toolTimeoutMs: number;
  /** /execute's own deadline (EXECUTE_TIMEOUT_MS), at most toolTimeoutMs; defaults to it. */
  executeTimeoutMs?: number;
  secrets: readonly string[];
  toolFailed: ToolFailed;
  /** The per-tool scope check (OAuth); false when it has answered the request itself (403). */
  allowed?: (ctx: Koa.Context, tool: ToolDef) => boolean;
}

const ExecuteBody = z.object({
  tool_name: z.string().min(1).max(100),
  arguments: z.record(z.string(), z.unknown()).optional().default({}),
});

export function toolRoutes(opts: ToolRoutesOptions): Router {
  const { tools } = opts;
  const router = new Router();
  // Converted on the first GET /tools, not at start: a cold start (Lambda) answers its first request sooner.
  let listing: { name: string; description: string; inputSchema: unknown }[] | undefined;
  const listTools = (ctx: Koa.Context) => {
    listing ??= tools.map((t) => ({ name: t.name, description: t.description, inputSchema: z.toJSONSchema(t.inputSchema, { io: "input" }) }));
    ctx.body = { success: true, tools: listing };
  };
  router.get("/tools", listTools);
  router.post("/tools", listTools);

  router.post("/execute", async (ctx) => {
    const body = await readJson(ctx, opts.maxBodyBytes);
    const parsed = ExecuteBody.safeParse(body);
    if (!parsed.success) {
      throw new HttpError(400, "bad body", {
        success: false,
        error: publicText(`Send {"tool_name": "...", "arguments": {...}}. ${z.prettifyError(parsed.error)}`, opts.secrets, body),
      });
    }
    const tool = tools.find((t) => t.name === parsed.data.tool_name);
    if (!tool) {
      throw new HttpError(404, "unknown tool", {
        success: false,
        error: publicText(
          `Unknown tool "${parsed.data.tool_name}". Tools: ${tools.map((t) => t.name).join(", ")}.`,
          opts.secrets,
          parsed.data,
        ),
      });
    }
    const store = requestContext.getStore();
    if (store) store.tool = tool.name;
    if (opts.allowed && !opts.allowed(ctx, tool)) return;
    const gone = new AbortController();
    const onClose = () => {
      if (!ctx.res.writableFinished) gone.abort();
    };
    // The response's "close" fires when the connection goes away before we answered (the request's
    // "close" fires as soon as its body has been read).
    ctx.res.once("close", onClose);
    const limitMs = Math.min(opts.executeTimeoutMs ?? opts.toolTimeoutMs, opts.toolTimeoutMs);
    const s = Math.round(limitMs / 1000);
    try {
      const outcome = await runTool(tool, parsed.data.arguments, {
        signal: gone.signal,
        deadlineMs: limitMs,
        // Below the tool deadline, /execute's own deadline says where a longer call can run.
        timeoutHint:
          limitMs < opts.toolTimeoutMs
            ? `POST /execute answers within ${s} s on this server; run long calls over POST /mcp, which streams them.`
            : undefined,
        secrets: opts.secrets,
        onFailure: opts.toolFailed,
      });
      const answer = executeBody(outcome);
      ctx.status = answer.status;
      ctx.body = answer.body;
    } finally {
      ctx.res.off("close", onClose);
    }
  });
  return router;
}

/**
 * One registry of tools serves both faces: MCP (`/mcp`) and plain HTTP (`/tools`, `/execute`).
 * A tool is its schemas, its words for the model and a thin handler that returns structured data
 * plus a compact text rendering.
 */
import type { ToolAnnotations } from "@modelcontextprotocol/server";
import type { z } from "zod";
import type { EstatService } from "../estat/service.ts";
import type { Lake } from "../lake/index.ts";

export interface ToolContext {
  signal: AbortSignal;
  /** Present when the client asked for progress: report steps of long work. */
  progress?: (p: { progress: number; total?: number; message?: string }) => Promise<void>;
}

export interface ToolOutput<O> {
  structured: O;
  text: string;
}

export interface ToolDeps {
  estat: EstatService;
  lake: Lake;
  /** Told when the lake failed and a tool fell back to e-Stat (for the log). */
  onLakeError?: (err: unknown) => void;
}

export interface ToolDef<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  inputSchema: I;
  outputSchema: O;
  annotations: ToolAnnotations;
  run(args: z.infer<I>, ctx: ToolContext): Promise<ToolOutput<z.infer<O>>>;
}

/** A tool, its `annotations.title` set from its `title` so clients showing either show the same words. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(def: ToolDef<I, O>): ToolDef<I, O> {
  return { ...def, annotations: { ...def.annotations, title: def.title } };
}

/** Read-only tools that reach e-Stat: safe to retry, and open-world. */
export const READ_ONLY: ToolAnnotations = { readOnlyHint: true, idempotentHint: true, openWorldHint: true };

/**
 * The one tool runner both faces call (/mcp and POST /execute): the argument check, the deadline, the
 * timeout message, the error mapping, redaction and the failure log live here once, so the same failure
 * gives the same words on either face. Each face only turns the outcome into its own body (mcpToolResult,
 * executeBody).
 */
import { deadline } from "../deadline.ts";
import { isPublicError, statusFor, ToolCancelledError, ToolTimeoutError, toolErrorMessage } from "../errors.ts";
import { parseArguments } from "./arguments.ts";
import type { ToolContext, ToolDef, ToolOutput } from "./registry.ts";

export interface RunOptions {
  /** The caller's signal: the client went away or cancelled. */
  signal?: AbortSignal;
  /** How long the call may run on this face. */
  deadlineMs: number;
  /**
   * Said instead of "Narrow the request and try again." when this face's deadline passes: /execute's
   * shorter EXECUTE_TIMEOUT_MS names /mcp as the place for long calls.
   */
  timeoutHint?: string;
  progress?: ToolContext["progress"];
  /** Scrubbed from every error text the caller sees. */
  secrets: readonly string[];
  /** Told about every failed call once, with the error (for the log). */
  onFailure?: (tool: string, err: unknown) => void;
}

export type RunOutcome =
  | { ok: true; out: ToolOutput<unknown> }
  /** `message` is safe to show: public errors as written (echoes shortened, secrets scrubbed), others generic. */
  | { ok: false; status: number; message: string; error: unknown };

export async function runTool(tool: ToolDef, args: unknown, opts: RunOptions): Promise<RunOutcome> {
  const limit = deadline(opts.signal, opts.deadlineMs);
  try {
    // Checked here, not by the SDK (mcp.ts lists the schema but lets every value through), so a bad
    // argument gets the same words on /mcp, in either era, as on /execute.
    const out = await tool.run(parseArguments(tool, args), { signal: limit.signal, progress: opts.progress });
    return { ok: true, out };
  } catch (err) {
    // Whatever a tool's code throws once its caller has gone (an AbortError from fetch or the lake, most
    // often), the outcome is the same: a cancellation, not a crash.
    const failure = limit.timedOut
      ? new ToolTimeoutError(timeoutMessage(tool.name, opts))
      : opts.signal?.aborted && !isPublicError(err)
        ? new ToolCancelledError(`${tool.name} was cancelled: the caller went away before it finished.`, { cause: err })
        : err;
    opts.onFailure?.(tool.name, failure);
    return { ok: false, status: statusFor(failure), message: toolErrorMessage(failure, opts.secrets, args), error: failure };
  } finally {
    limit.dispose();
  }
}

export function timeoutMessage(toolName: string, opts: Pick<RunOptions, "deadlineMs" | "timeoutHint">): string {
  const s = Math.round(opts.deadlineMs / 1000);
  return `${toolName} did not finish within ${s} s. ${opts.timeoutHint ?? "Narrow the request and try again."}`;
}

/** The /mcp face's body: a tool result, with isError and the message as its text when the call failed. */
export function mcpToolResult(outcome: RunOutcome) {
  return outcome.ok
    ? {
        content: [{ type: "text" as const, text: outcome.out.text }],
        structuredContent: outcome.out.structured as Record<string, unknown>,
      }
    : { isError: true, content: [{ type: "text" as const, text: outcome.message }] };
}

/** The /execute face's status and body: `{ success: true, result }` or `{ success: false, error }`. */
export function executeBody(outcome: RunOutcome): { status: number; body: unknown } {
  return outcome.ok
    ? { status: 200, body: { success: true, result: outcome.out.structured } }
    : { status: outcome.status, body: { success: false, error: outcome.message } };
}

/**
 * A tool's arguments checked against its inputSchema, for both faces (runTool calls this): the words a
 * model reads when it sent something the schema refuses, one line per problem, naming the argument and
 * what it takes (its description, the valid values, the format or bound), then what to do next.
 */
import type { z } from "zod";
import type { ToolDef } from "./registry.ts";

/** Arguments the tool's inputSchema refuses (400); the message is meant for the caller. */
export class ToolArgumentsError extends Error {
  override name = "ToolArgumentsError";
  readonly status = 400;
  readonly expose = true;
}

export function parseArguments(tool: ToolDef, args: unknown): Record<string, unknown> {
  // reportInput: a missing argument is an invalid_type issue whose input is undefined.
  const parsed = tool.inputSchema.safeParse(args ?? {}, { reportInput: true });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `- ${problem(tool, issue)}`);
  throw new ToolArgumentsError(
    [`Invalid arguments for ${tool.name}:`, ...problems, `Fix the arguments and call ${tool.name} again (tools/list gives its inputSchema).`].join("\n"),
  );
}

/** zod's message without its category ("Invalid input: expected number, received string" → "expected number, …"). */
const CATEGORY = /^(Invalid input|Invalid option|Too small|Too big): /;

function problem(tool: ToolDef, issue: z.core.$ZodIssue): string {
  const at = issue.path.length > 0 ? issue.path.map(String).join(".") : "arguments";
  if (issue.code === "invalid_type" && issue.input === undefined) {
    const described = issue.path.length === 1 ? tool.inputSchema.shape[String(issue.path[0])]?.description : undefined;
    return `${at} is required${described ? `: ${described}` : ` (${issue.expected})`}`;
  }
  return `${at}: ${issue.message.replace(CATEGORY, "")}`;
}

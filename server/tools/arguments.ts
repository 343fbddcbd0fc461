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
  // zod drops keys a schema does not name: `area: "東京都"` beside statsDataId (not inside filters) would
  // have answered for every area, with nothing to say the filter was never applied. An argument the
  // tool does not take is refused instead, naming those it does take.
  const unknown = unknownArguments(tool, args);
  if (parsed.success && unknown.length === 0) return parsed.data;
  const problems = [...unknown, ...(parsed.success ? [] : parsed.error.issues.map((issue) => problem(tool, issue)))].map(
    (p) => `- ${p}`,
  );
  throw new ToolArgumentsError(
    [`Invalid arguments for ${tool.name}:`, ...problems, `Fix the arguments and call ${tool.name} again (tools/list gives its inputSchema).`].join("\n"),
  );
}

function unknownArguments(tool: ToolDef, args: unknown): string[] {
  if (args === null || typeof args !== "object" || Array.isArray(args)) return [];
  const known = Object.keys(tool.inputSchema.shape);
  const extra = Object.keys(args).filter((k) => !known.includes(k));
  if (extra.length === 0) return [];
  const names = extra.slice(0, 5).map((k) => (k.length > 40 ? `${k.slice(0, 40)}…` : k));
  const takes = known.length > 0 ? `${tool.name} takes ${known.join(", ")}` : `${tool.name} takes no arguments`;
  // A dimension given as an argument of its own belongs inside filters.
  const filterHint =
    known.includes("filters") && names.some((k) => /^[a-z][a-z0-9]*(Level|From|To)?$/.test(k))
      ? `; dimension filters go inside filters, e.g. filters {"${names[0]}": …}`
      : "";
  return [`${names.join(", ")}: not ${extra.length === 1 ? "an argument" : "arguments"} of ${tool.name} (${takes}${filterHint})`];
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

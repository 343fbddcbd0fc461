/** How a tool failure is logged, from either face: public errors as warnings, anything else as a crash. */
import { requestContext } from "../context.ts";
import { isPublicError } from "../errors.ts";
import type { Logger } from "../logger.ts";

export type ToolFailed = (tool: string, err: unknown) => void;

export function toolFailureLog(logger: Logger): ToolFailed {
  return (tool, err) => {
    const store = requestContext.getStore();
    if (store) store.toolError = err instanceof Error ? err.name : "Error";
    const fields = {
      event: "tool_error",
      tool,
      kind: (err as { kind?: string }).kind ?? (err as Error).name,
      err: isPublicError(err) ? (err as Error).message : err,
    };
    // A caller that left is no failure of the tool: info, and not a tool_error (the ToolErrors metric).
    if (isPublicError(err) && err.status === 499) logger.info({ ...fields, event: "tool_cancelled" }, "tool cancelled");
    else if (isPublicError(err)) logger.warn(fields, "tool failed");
    else logger.error(fields, "tool crashed");
  };
}

/**
 * The last line of defence: a promise rejection nobody handled would end the process (Node's default),
 * losing every call in flight on this instance. Log it, with a running count, and keep serving. This is
 * not where bugs are fixed: each logged `unhandled_rejection` is a bug to fix at its source.
 */
import type { Logger } from "./logger.ts";

export function guardUnhandledRejections(logger: Logger, proc: NodeJS.Process = process) {
  let count = 0;
  const onRejection = (reason: unknown) => {
    count += 1;
    logger.error(
      { event: "unhandled_rejection", count, err: reason instanceof Error ? reason : String(reason) },
      "unhandled promise rejection (a bug: the process keeps serving)",
    );
  };
  proc.on("unhandledRejection", onRejection);
  return {
    /** Unhandled rejections seen since start-up. */
    get count() {
      return count;
    },
    dispose: () => proc.off("unhandledRejection", onRejection),
  };
}

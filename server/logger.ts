import { once } from "node:events";
import { pino } from "pino";
import { redact } from "./errors.ts";

/** Log bytes held in memory while stdout is not being read; past this, new lines are dropped. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export interface StdoutLog {
  stream: pino.DestinationStream;
  /** Write out what is buffered, waiting at most `ms`; what stdout has not taken by then is dropped. */
  end(ms: number): Promise<void>;
}

/**
 * stdout for pino: sonic-boom's batched asynchronous writes, made safe against a reader that stops
 * reading (a stalled log collector, a parent that never drains its child's pipe). On a blocking fd, a
 * full pipe parks sonic-boom's fs.write in write(2) on a libuv worker thread, and process.exit then waits
 * for ever joining that thread (pino's exit hook, a flushSync, blocks the main thread the same way): the
 * process could not stop. So fd 1 is made non-blocking, a full pipe means retrying later with the lines
 * held in memory up to a bound, and at exit one attempt is made and the rest dropped.
 */
export function stdoutLog(): StdoutLog {
  // Opening process.stdout on a pipe or socket is what puts fd 1 in O_NONBLOCK (libuv's uv_pipe_open).
  // A file or a terminal is left as it is: neither stays full.
  void process.stdout;
  let exiting = false;
  let closed = false;
  const stream = pino.destination({
    dest: 1,
    sync: false,
    maxLength: MAX_BUFFERED_BYTES,
    // While running, a full pipe is retried 100 ms later; at exit it ends flushSync instead of its
    // sleep-and-retry loop.
    retryEAGAIN: () => !exiting,
  });
  stream.once("close", () => {
    closed = true;
  });
  // Lines dropped while stdout was full are counted, and said once stdout has taken everything held: one
  // warn line in pino's own shape, written past pino (it carries no request data, and cannot recurse).
  let dropped = 0;
  stream.on("drop", () => {
    dropped += 1;
  });
  stream.on("drain", () => {
    if (dropped === 0 || exiting) return;
    const count = dropped;
    dropped = 0;
    const line = { level: "warn", time: new Date().toISOString(), event: "log_lines_dropped", count, msg: `stdout was not being read: ${count} log lines were dropped` };
    stream.write(`${JSON.stringify(line)}\n`);
  });
  // Before pino's own exit hook, whichever way the process exits.
  process.prependListener("exit", () => {
    exiting = true;
    if (closed) return;
    try {
      stream.flushSync();
    } catch {
      // EAGAIN: what the pipe cannot take now is dropped.
    }
    closed = true;
    // Destroyed, the stream is skipped by pino's exit hook.
    stream.destroy();
  });
  return {
    stream,
    async end(ms) {
      if (closed) return;
      let timer: NodeJS.Timeout | undefined;
      const ended = once(stream, "close").catch(() => undefined);
      stream.end();
      await Promise.race([ended, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))))]);
      clearTimeout(timer);
    },
  };
}

/**
 * pino JSON lines on stdout. Two layers keep secrets out: known paths are censored, and every line
 * is scrubbed of the configured secrets (appId, API keys) wherever they might have slipped in.
 */
export function createLogger(opts: {
  level: string;
  secrets: readonly string[];
  destination?: pino.DestinationStream;
}) {
  const secrets = opts.secrets.filter(Boolean);
  return pino(
    {
      level: opts.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          "authorization",
          "*.authorization",
          "*.headers.authorization",
          '*.headers["x-api-key"]',
          "appId",
          "*.appId",
        ],
        censor: "[REDACTED]",
      },
      ...(secrets.length > 0 ? { hooks: { streamWrite: (line: string) => redact(line, secrets) } } : {}),
    },
    opts.destination ?? stdoutLog().stream,
  );
}

export type Logger = ReturnType<typeof createLogger>;

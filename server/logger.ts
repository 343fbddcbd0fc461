import { pino } from "pino";
import { redact } from "./errors.ts";

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
    opts.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export type Logger = ReturnType<typeof createLogger>;

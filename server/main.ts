/**
 * Entry point: parse the environment once, build the parts, serve, and shut down gracefully on a signal.
 */
import { ConfigError, parseEnv, secretsOf } from "./config.ts";
import { createDeps } from "./deps.ts";
import { createLogger, stdoutLog } from "./logger.ts";
import { guardUnhandledRejections } from "./process-guard.ts";
import { serve } from "./serve.ts";

async function main() {
  let config: ReturnType<typeof parseEnv>;
  try {
    config = parseEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      const lines = err.message.split("\n");
      process.stderr.write(
        lines.length === 1
          ? `estat-mcp-cloud: ${err.message}\n`
          : `estat-mcp-cloud: ${lines.length} problems in the environment:\n${lines.map((l) => `  - ${l}\n`).join("")}`,
      );
      process.exit(2);
    }
    throw err;
  }
  const log = stdoutLog();
  const logger = createLogger({
    level: config.logLevel,
    secrets: secretsOf(config),
    destination: log.stream,
  });
  guardUnhandledRejections(logger);
  const deps = createDeps(config, logger);
  let serving: Awaited<ReturnType<typeof serve>>;
  try {
    serving = await serve(deps);
  } catch (err) {
    // A taken port is the one listen error a person causes and can fix: one line, not a stack trace.
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`estat-mcp-cloud: ${err.message}\n`);
    process.exit(1);
  }
  logger.info(
    {
      event: "listening",
      url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${serving.port}/mcp`,
      auth: config.auth.mode,
      keys: config.auth.keys.length,
      lake: deps.lake.describe(),
      estat: deps.estat.configured
        ? "configured"
        : "ESTAT_APP_ID missing: e-Stat tools will answer with how to get one",
    },
    "estat-mcp-cloud listening",
  );
  for (const warning of config.warnings) logger.warn({ event: "config_warning", warning }, warning);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const deadline = performance.now() + config.shutdownGraceMs;
    logger.info({ event: "shutdown", signal, graceMs: config.shutdownGraceMs }, "shutting down");
    await serving.shutdown();
    logger.info({ event: "stopped" }, "stopped");
    // A stdout nobody reads must not hold the process past the grace period: what it has not taken by
    // then is dropped (server/logger.ts).
    await log.end(deadline - performance.now());
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

await main();

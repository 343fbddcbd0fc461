/**
 * Entry point: parse the environment once, build the parts, serve, and shut down gracefully on a signal.
 */
import { ConfigError, parseEnv, secretsOf } from "./config.ts";
import { createDeps } from "./deps.ts";
import { createLogger } from "./logger.ts";
import { guardUnhandledRejections } from "./process-guard.ts";
import { serve } from "./serve.ts";

async function main() {
  let config: ReturnType<typeof parseEnv>;
  try {
    config = parseEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`estat-mcp-cloud: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({
    level: config.logLevel,
    secrets: secretsOf(config),
  });
  guardUnhandledRejections(logger);
  const deps = createDeps(config, logger);
  const serving = await serve(deps);
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

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: "shutdown", signal, graceMs: config.shutdownGraceMs }, "shutting down");
    await serving.shutdown();
    logger.info({ event: "stopped" }, "stopped");
    logger.flush();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

await main();

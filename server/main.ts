/**
 * Entry point: parse the environment once, build the parts, listen, and shut down gracefully.
 */
import { once } from "node:events";
import type { Server } from "node:http";
import { createApp } from "./app.ts";
import { ConfigError, parseEnv, secretsOf } from "./config.ts";
import { createDeps } from "./deps.ts";
import { createLogger } from "./logger.ts";
import { guardUnhandledRejections } from "./process-guard.ts";

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
  const handle = createApp(deps);
  const server: Server = handle.app.listen(config.port, config.host);
  // Idle keep-alive connections must outlive the load balancer's idle timeout (ALB 120 s in our stacks):
  // if the server closed first, the balancer could send a request down a socket being closed, and the
  // client would get a 502.
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.headersTimeout = config.keepAliveTimeoutMs + 5000;
  server.requestTimeout = 0;
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const local = ["0.0.0.0", "::"].includes(config.host) ? "127.0.0.1" : config.host;
  deps.setPublicBaseUrl(`http://${local.includes(":") ? `[${local}]` : local}:${port}`);
  logger.info(
    {
      event: "listening",
      url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}/mcp`,
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
    handle.setDraining();
    server.close();
    server.closeIdleConnections();
    // A keep-alive socket that goes idle after its last answer would otherwise hold the process until
    // the grace period ends.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    const forced = setTimeout(() => {
      logger.warn({ event: "shutdown_forced" }, "grace period over; closing remaining connections");
      server.closeAllConnections();
    }, config.shutdownGraceMs);
    forced.unref();
    await once(server, "close");
    clearTimeout(forced);
    clearInterval(sweep);
    await handle.close();
    logger.info({ event: "stopped" }, "stopped");
    logger.flush();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

await main();

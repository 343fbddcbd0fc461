/**
 * createApp(deps): the Koa application as a table of contents of middleware and routes, each in its own
 * module under http/. It never listens; serve.ts does.
 */
import Koa from "koa";
import { type Config, secretsOf } from "./config.ts";
import type { EstatClient } from "./estat/client.ts";
import { createAuthenticator } from "./http/auth/index.ts";
import { authenticate, toolAllowed } from "./http/auth/middleware.ts";
import { closeAfterEarlyAnswer } from "./http/early-answer.ts";
import { errors } from "./http/errors.ts";
import { hostOrigin } from "./http/host-origin.ts";
import { isOpenPath } from "./http/open-paths.ts";
import { createSlowReaderGuard } from "./http/backpressure.ts";
import { requestLog } from "./http/request-log.ts";
import { downloadRoutes } from "./http/routes/downloads.ts";
import { healthRoutes } from "./http/routes/health.ts";
import { mcpRoute } from "./http/routes/mcp.ts";
import { notFound } from "./http/routes/not-found.ts";
import { toolRoutes } from "./http/routes/tools.ts";
import { corsFor, securityHeaders } from "./http/security-headers.ts";
import { toolFailureLog } from "./http/tool-log.ts";
import type { Lake } from "./lake/types.ts";
import type { Logger } from "./logger.ts";
import { createMcp } from "./mcp.ts";
import { createRateLimit } from "./rate-limit.ts";
import type { ToolDef } from "./tools/registry.ts";

export interface AppDeps {
  config: Config;
  logger: Logger;
  tools: ToolDef[];
  estat: EstatClient;
  /** Extra readiness checks (the data lake…): name → throws when not usable. */
  readiness?: Record<string, () => Promise<void>>;
  lake: Lake;
  /** Signs and checks the filesystem lake's download links. */
  signingKey: string;
  /** The address download links should use, once the server listens (unless PUBLIC_BASE_URL is set). */
  setPublicBaseUrl: (url: string) => void;
}

export interface AppHandle {
  app: Koa;
  /** Flip /readyz to 503 (shutdown has begun). */
  setDraining(): void;
  /** Tear down the MCP handler's in-flight modern exchanges. */
  close(): Promise<void>;
}

const CLIENT_GONE = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"]);

export function createApp(deps: AppDeps): AppHandle {
  const { config, logger, tools } = deps;
  // Only the proxies we run in front append to X-Forwarded-For; anything further left is the client's word.
  const app = new Koa({ proxy: config.trustedProxyHops > 0, maxIpsCount: Math.max(1, config.trustedProxyHops) });
  const secrets = secretsOf(config);
  const toolFailed = toolFailureLog(logger);
  let draining = false;
  const authenticator = createAuthenticator(config.auth);
  const mcp = createMcp({
    tools,
    streamAfterMs: config.streamAfterMs,
    keepAliveMs: config.keepAliveMs,
    toolTimeoutMs: config.toolTimeoutMs,
    maxBodyBytes: config.maxBodyBytes,
    onToolError: toolFailed,
    onError: (err) => logger.debug({ event: "mcp_rejected", err: err.message }, "MCP request rejected"),
    secrets,
    scopesFor: authenticator.scopesFor,
  });

  const slowReaders = createSlowReaderGuard({
    ...config.slowReaders,
    onDrop: (info) => logger.warn({ event: "slow_reader_dropped", ...info }, "client stopped reading; answer dropped"),
  });
  app.use(slowReaders.middleware);
  app.use(requestLog(logger));
  app.use(closeAfterEarlyAnswer());
  app.use(errors(logger));
  app.use(securityHeaders());
  app.use(corsFor(config));
  app.use(hostOrigin(config));
  app.use(authenticate(authenticator, { failuresPerMinute: config.authFailuresPerMinute }));
  // Per key (per client IP without auth), per instance; the fleet-wide limit is the WAF's.
  app.use(createRateLimit({ perMinute: config.rateLimitPerMinute, skip: (ctx) => isOpenPath(ctx.path) }));

  app.use(mcpRoute(mcp, config.maxBodyBytes));
  app.use(
    healthRoutes({ estat: deps.estat, readiness: deps.readiness, isDraining: () => draining, logger, warnings: config.warnings }).routes(),
  );
  app.use(
    toolRoutes({
      tools,
      maxBodyBytes: config.maxBodyBytes,
      toolTimeoutMs: config.toolTimeoutMs,
      executeTimeoutMs: config.executeTimeoutMs,
      secrets,
      toolFailed,
      allowed: (ctx, tool) => toolAllowed(authenticator, ctx, tool),
    }).routes(),
  );
  app.use(downloadRoutes(deps.lake, deps.signingKey).routes());
  app.use(notFound());

  // A client that closed its connection mid-answer (ECONNRESET, EPIPE) is not a server error.
  app.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code && CLIENT_GONE.has(err.code)) logger.info({ event: "client_gone", code: err.code }, "client closed the connection");
    else logger.error({ event: "koa_error", err }, "server error");
  });

  return {
    app,
    setDraining: () => {
      draining = true;
    },
    close: () => {
      slowReaders.close();
      return mcp.close();
    },
  };
}

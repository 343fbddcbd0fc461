/**
 * The AWS Lambda entry: the same createApp behind API Gateway REST (v1 events) or a Function URL (v2),
 * answered as a response stream (awslambda.streamifyResponse), so SSE keep-alives and progress reach
 * the client during a long call. Cold start, once: secrets from SSM, then the same parseEnv as main.ts.
 * A bad environment or a missing parameter fails the init phase with the message, never a request.
 */
import { createApp } from "./app.ts";
import { ConfigError, parseEnvWith, secretsOf, ssmParametersOf } from "./config.ts";
import { createDeps } from "./deps.ts";
import { streamingHandler } from "./lambda/adapter.ts";
import { readSsmParameters } from "./lambda/ssm.ts";
import { createLogger } from "./logger.ts";
import { guardUnhandledRejections } from "./process-guard.ts";

async function coldStart() {
  try {
    const config = parseEnvWith(await readSsmParameters(ssmParametersOf()));
    const logger = createLogger({ level: config.logLevel, secrets: secretsOf(config) });
    guardUnhandledRejections(logger);
    const deps = createDeps(config, logger);
    logger.info(
      { event: "cold_start", auth: config.auth.mode, keys: config.auth.keys.length, lake: deps.lake.describe() },
      "estat-mcp-cloud ready (Lambda)",
    );
    return createApp(deps).app;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // The init phase's error is what CloudWatch shows: say what is wrong, without a stack trace.
    const failure = new Error(`estat-mcp-cloud cannot start: ${err.message}`);
    failure.name = "ConfigError";
    failure.stack = `${failure.name}: ${failure.message}`;
    throw failure;
  }
}

const app = await coldStart();

export const handler = streamingHandler(app);

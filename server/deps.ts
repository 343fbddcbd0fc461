import { randomBytes } from "node:crypto";
import type { AppDeps } from "./app.ts";
import type { Config } from "./config.ts";
import { requestContext } from "./context.ts";
import { EstatClient } from "./estat/client.ts";
import { EstatService } from "./estat/service.ts";
import type { Logger } from "./logger.ts";
import { lazyLake } from "./lake/lazy.ts";
import { createTools } from "./tools/index.ts";

/** Build everything the app needs from parsed configuration: the one place parts are wired together. */
export function createDeps(config: Config, logger: Logger): AppDeps {
  const estat = new EstatClient({
    ...config.estat,
    // e-Stat slots are shared fairly per API key or token subject (per client address without auth).
    callerOf: () => {
      const store = requestContext.getStore();
      if (store?.keyId) return store.keyId;
      if (store?.principal) return `sub:${store.principal}`;
      return store?.ip ? `ip:${store.ip}` : undefined;
    },
    onCall: (call) => {
      const store = requestContext.getStore();
      if (store) {
        store.upstream += 1;
        store.upstreamMs += call.ms;
      }
      if (!call.ok) {
        logger.warn(
          { event: "estat_error", endpoint: call.endpoint, kind: call.kind, ms: call.ms },
          "e-Stat call failed",
        );
      }
    },
  });
  const service = new EstatService(estat);
  // Download links of the filesystem lake point at this server; main.ts fills in the address once listening.
  const lakeOptions = {
    s3Endpoint: config.lake.s3Endpoint,
    region: config.lake.region,
    forcePathStyle: config.lake.forcePathStyle,
    credentials: config.lake.credentials,
    publicBaseUrl: config.lake.publicBaseUrl,
    signingKey: config.lake.signingKey ?? randomBytes(32).toString("base64url"),
    queries: config.lake.queries,
    retireGraceMs: config.lake.retireGraceMs,
    maxDatasets: config.lake.maxDatasets,
    maxBytes: config.lake.maxBytes,
  };
  const lake = lazyLake(config.lake.uri, lakeOptions);
  const tools = createTools({
    estat: service,
    lake,
    onLakeError: (err) => logger.warn({ event: "lake_error", err }, "data lake failed; answered from e-Stat"),
  });
  return {
    config,
    logger,
    estat,
    tools,
    lake,
    signingKey: lakeOptions.signingKey,
    setPublicBaseUrl: (url: string) => {
      lakeOptions.publicBaseUrl ??= url;
    },
    readiness: { lake: () => lake.check() },
  };
}

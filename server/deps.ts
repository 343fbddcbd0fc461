import type { AppDeps } from "./app.ts";
import type { Config } from "./config.ts";
import { requestContext } from "./context.ts";
import { EstatClient } from "./estat/client.ts";
import { EstatService } from "./estat/service.ts";
import type { Logger } from "./logger.ts";
import { createTools } from "./tools/index.ts";

/** Build everything the app needs from parsed configuration: the one place parts are wired together. */
export function createDeps(config: Config, logger: Logger): AppDeps {
  const estat = new EstatClient({
    ...config.estat,
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
  return { config, logger, estat, tools: createTools({ estat: service }) };
}

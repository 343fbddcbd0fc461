/** DNS-rebinding protection: a browser tricked into calling us carries a foreign Host or Origin. */
import { validateHostHeader, validateOriginHeader } from "@modelcontextprotocol/server";
import type Koa from "koa";
import { HttpError, rpcError } from "./errors.ts";
import { isOpenPath } from "./open-paths.ts";

export function hostOrigin(opts: { allowedHosts: readonly string[]; allowedOrigins: readonly string[] }): Koa.Middleware {
  const hosts = [...opts.allowedHosts];
  const origins = [...opts.allowedOrigins];
  return async (ctx, next) => {
    if (isOpenPath(ctx.path)) return next();
    if (hosts.length > 0) {
      const host = validateHostHeader(ctx.get("host"), hosts);
      if (!host.ok) {
        throw new HttpError(
          403,
          "Forbidden host",
          rpcError(-32000, `Forbidden: Host not allowed. Add it to ALLOWED_HOSTS.`),
        );
      }
    }
    const origin = ctx.get("origin");
    if (origin) {
      const allowed = origins.length > 0 && validateOriginHeader(origin, origins).ok;
      if (!allowed) {
        throw new HttpError(
          403,
          "Forbidden origin",
          rpcError(
            -32000,
            "Forbidden: Origin not allowed. Add it to ALLOWED_ORIGINS to call this server from a browser.",
          ),
        );
      }
    }
    return next();
  };
}

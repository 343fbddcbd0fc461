/** GET /healthz (the process answers) and GET /readyz (e-Stat configured, the lake usable, not draining). */
import Router from "@koa/router";
import { isPublicError } from "../../errors.ts";
import type { EstatClient } from "../../estat/client.ts";

export interface HealthDeps {
  estat: Pick<EstatClient, "configured" | "circuit">;
  /** Extra readiness checks (the data lake…): name → throws when not usable. */
  readiness?: Record<string, () => Promise<void>>;
  isDraining: () => boolean;
}

export function healthRoutes(deps: HealthDeps): Router {
  const router = new Router();
  router.get("/healthz", (ctx) => {
    ctx.body = { status: "ok" };
  });
  router.get("/readyz", async (ctx) => {
    const checks: Record<string, string> = {};
    const draining = deps.isDraining();
    let ok = !draining;
    if (draining) checks.server = "shutting down";
    checks.estat = deps.estat.configured
      ? deps.estat.circuit === "open"
        ? "failing (circuit open)"
        : "configured"
      : "ESTAT_APP_ID is not set";
    if (!deps.estat.configured) ok = false;
    for (const [name, check] of Object.entries(deps.readiness ?? {})) {
      try {
        await check();
        checks[name] = "ok";
      } catch (err) {
        ok = false;
        checks[name] = isPublicError(err) ? err.message : "unavailable";
      }
    }
    ctx.status = ok ? 200 : 503;
    ctx.body = { status: ok ? "ready" : "not ready", checks };
  });
  return router;
}

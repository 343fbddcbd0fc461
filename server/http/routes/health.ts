/**
 * GET /healthz (the process answers) and GET /readyz (e-Stat configured, the lake usable, not draining).
 * /readyz is open to anyone, so its probes (a write to the lake) run at most once per `probeCacheMs`
 * whoever asks, each address may ask `perMinute` times, and a failing check says only that it failed:
 * the details (a bucket, a path) go to the log.
 */
import Router from "@koa/router";
import type { EstatClient } from "../../estat/client.ts";
import type { Logger } from "../../logger.ts";
import { createRateLimit } from "../../rate-limit.ts";

export interface HealthDeps {
  estat: Pick<EstatClient, "configured" | "circuit">;
  /** Extra readiness checks (the data lake…): name → throws when not usable. */
  readiness?: Record<string, () => Promise<void>>;
  isDraining: () => boolean;
  logger: Logger;
  /** How long a probe's result is reused. Default 5 s. */
  probeCacheMs?: number;
  /** /readyz requests per client address per minute. Default 60. */
  perMinute?: number;
  /** Configuration warnings (config.warnings): /readyz repeats them; they do not make it fail. */
  warnings?: string[];
}

export function healthRoutes(deps: HealthDeps): Router {
  const router = new Router();
  const cacheMs = deps.probeCacheMs ?? 5000;
  let probed: { at: number; checks: Promise<Record<string, string>> } | undefined;

  const probe = async () => {
    const checks: Record<string, string> = {};
    for (const [name, check] of Object.entries(deps.readiness ?? {})) {
      try {
        await check();
        checks[name] = "ok";
      } catch (err) {
        deps.logger.warn({ event: "not_ready", check: name, err }, "readiness check failed");
        checks[name] = `${name} unreachable`;
      }
    }
    return checks;
  };
  // One probe at a time, its result shared for cacheMs by every caller.
  const probes = () => {
    if (!probed || performance.now() - probed.at > cacheMs) probed = { at: performance.now(), checks: probe() };
    return probed.checks;
  };

  router.get("/healthz", (ctx) => {
    ctx.body = { status: "ok" };
  });
  const limit = createRateLimit({ perMinute: deps.perMinute ?? 60, keyOf: (ctx) => `ip:${ctx.ip}` });
  router.get("/readyz", limit, async (ctx) => {
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
    for (const [name, state] of Object.entries(await probes())) {
      checks[name] = state;
      if (state !== "ok") ok = false;
    }
    ctx.status = ok ? 200 : 503;
    ctx.body = { status: ok ? "ready" : "not ready", checks, ...(deps.warnings?.length ? { warnings: deps.warnings } : {}) };
  });
  return router;
}

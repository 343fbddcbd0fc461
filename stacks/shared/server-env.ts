import type * as pulumi from "@pulumi/pulumi";
import type { TimeoutChain } from "./timeouts.ts";

export interface ServerEnvArgs {
  /** The port the server listens on (PORT). */
  port: number;
  /** `s3://bucket` or `file://path` (DATA_LAKE). */
  lakeUrl: pulumi.Input<string>;
  /** The host name clients use (ALLOWED_HOSTS): the CDN's or the custom domain. */
  allowedHosts: pulumi.Input<string>;
  logLevel: string;
  rateLimitPerMinute: number;
  /** Proxies in front that append to X-Forwarded-For (CloudFront + ALB: 2; ALB: 1). */
  trustedProxyHops: number;
  timeouts: TimeoutChain["server"];
  /**
   * The container's memory, when the platform gives it a fixed size: the V8 heap is capped from it.
   * V8 sizes its heap from the host's memory, not the task's: under load it grows to ~500 MB and
   * collects lazily (npm run soak), which would kill a 512 MB task. Cap the old space at 60 %. A small
   * young generation and mmap for large allocations keep parsing 10 MB e-Stat pages from ratcheting
   * memory up, so a save's memory follows the page, not the table (npm run bench:lake, "tuned").
   */
  memoryMiB?: number;
}

/**
 * The environment every target gives the server (secrets apart: each platform injects ESTAT_APP_ID and
 * MCP_API_KEYS its own way). test/contract/ feeds what each target produces through the server's own
 * parseEnv.
 */
export function serverEnv(a: ServerEnvArgs): Record<string, pulumi.Input<string>> {
  return {
    HOST: "0.0.0.0",
    PORT: String(a.port),
    DATA_LAKE: a.lakeUrl,
    ALLOWED_HOSTS: a.allowedHosts,
    LOG_LEVEL: a.logLevel,
    RATE_LIMIT_PER_MINUTE: String(a.rateLimitPerMinute),
    TRUSTED_PROXY_HOPS: String(a.trustedProxyHops),
    ESTAT_TIMEOUT_MS: String(a.timeouts.estatTimeoutMs),
    TOOL_TIMEOUT_MS: String(a.timeouts.toolTimeoutMs),
    EXECUTE_TIMEOUT_MS: String(a.timeouts.executeTimeoutMs),
    SHUTDOWN_GRACE_MS: String(a.timeouts.shutdownGraceMs),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: String(a.timeouts.keepAliveTimeoutMs),
    ...(a.memoryMiB
      ? {
          NODE_OPTIONS: `--max-old-space-size=${Math.floor(a.memoryMiB * 0.6)} --max-semi-space-size=4`,
          MALLOC_MMAP_THRESHOLD_: "131072",
        }
      : {}),
  };
}

/** The names under which every target injects the server's secrets. */
export const SERVER_SECRETS = { estatAppId: "ESTAT_APP_ID", apiKeys: "MCP_API_KEYS" } as const;

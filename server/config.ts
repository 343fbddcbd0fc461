import { z } from "zod";

/** A start-up configuration problem; the message lists every bad key and what it accepts. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

const list = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  );

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const Env = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  ESTAT_API_URL: z.url({ protocol: /^https?$/ }).default("https://api.e-stat.go.jp/rest/3.0/app"),
  ESTAT_APP_ID: z
    .string()
    .trim()
    .min(1)
    .optional()
    .or(z.literal("").transform(() => undefined)),
  ESTAT_TIMEOUT_MS: positiveInt(60_000),
  ESTAT_MAX_CONCURRENCY: positiveInt(4),
  ESTAT_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  CACHE_MAX_MB: z.coerce.number().positive().default(64),
  CACHE_TTL_SECONDS: positiveInt(3600),
  ALLOWED_HOSTS: list,
  ALLOWED_ORIGINS: list,
  MCP_API_KEYS: list,
  MCP_API_KEY: z.string().trim().optional(),
  MCP_AUTH: z.enum(["keys", "none"]).optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(100),
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(5).default(1),
  MAX_BODY_BYTES: positiveInt(1024 * 1024),
  TOOL_TIMEOUT_MS: positiveInt(120_000),
  STREAM_AFTER_MS: positiveInt(3000),
  SSE_KEEPALIVE_MS: positiveInt(15_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(25_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt(125_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATA_LAKE: z.string().optional(),
  S3_BUCKET: z.string().optional(),
  S3_ENDPOINT: z.url().optional(),
  S3_FORCE_PATH_STYLE: z.enum(["true", "false"]).optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_REGION: z.string().optional(),
  PUBLIC_BASE_URL: z.url().optional(),
  DOWNLOAD_SIGNING_KEY: z.string().min(16).optional(),
});

export type Config = ReturnType<typeof parseEnv>;

/** Values that must never reach a log line, an error or a response. */
export function secretsOf(config: Config): string[] {
  return [config.estat.appId, ...config.auth.keys, config.lake.credentials?.secretAccessKey, config.lake.signingKey].filter(
    (s): s is string => Boolean(s),
  );
}

/** The only reader of process.env: parse once at start-up, fail listing every bad key. */
export function parseEnv(env: Record<string, string | undefined> = process.env) {
  const r = Env.safeParse(env);
  if (!r.success) {
    throw new ConfigError(`Invalid environment:\n${z.prettifyError(r.error)}`);
  }
  const e = r.data;
  const loopback = LOOPBACK.has(e.HOST);
  const apiKeys = [...e.MCP_API_KEYS, ...(e.MCP_API_KEY ? [e.MCP_API_KEY] : [])];
  for (const key of apiKeys) {
    if (!/^[A-Za-z0-9._~-]{16,}$/.test(key)) {
      throw new ConfigError(
        "MCP_API_KEYS: every key must be at least 16 URL-safe characters (A-Z a-z 0-9 . _ ~ -). Generate one with `npm run keygen`.",
      );
    }
  }
  const authMode = e.MCP_AUTH ?? (apiKeys.length > 0 ? "keys" : loopback ? "none" : undefined);
  if (authMode === undefined) {
    throw new ConfigError(
      `HOST=${e.HOST} exposes the server beyond this machine, but no MCP_API_KEYS are set. ` +
        "Set MCP_API_KEYS (generate one with `npm run keygen`), or set MCP_AUTH=none if something in front of " +
        "the server (a VPN, a private network, an authenticating proxy) already decides who may call it.",
    );
  }
  if (authMode === "keys" && apiKeys.length === 0) {
    throw new ConfigError(
      "MCP_AUTH=keys needs at least one key in MCP_API_KEYS. Generate one with `npm run keygen`.",
    );
  }
  const lake = e.DATA_LAKE ?? (e.S3_BUCKET ? `s3://${e.S3_BUCKET}` : "file://./data");
  if (!/^(s3|file):\/\/./.test(lake)) {
    throw new ConfigError(`DATA_LAKE must be s3://bucket/prefix or file://path, got "${lake}".`);
  }
  const localNames = ["localhost", "127.0.0.1", "[::1]"];
  const hostnames = (xs: string[]) =>
    xs.map((x) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(x) ? new URL(x).host.replace(/:\d+$/, "") : x));
  if (Boolean(e.S3_ACCESS_KEY_ID) !== Boolean(e.S3_SECRET_ACCESS_KEY)) {
    throw new ConfigError("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS credential chain.");
  }
  return {
    host: e.HOST,
    port: e.PORT,
    estat: {
      baseUrl: e.ESTAT_API_URL.replace(/\/+$/, ""),
      appId: e.ESTAT_APP_ID,
      timeoutMs: e.ESTAT_TIMEOUT_MS,
      maxConcurrency: e.ESTAT_MAX_CONCURRENCY,
      retries: e.ESTAT_RETRIES,
      cacheMaxBytes: Math.round(e.CACHE_MAX_MB * 1024 * 1024),
      cacheTtlMs: e.CACHE_TTL_SECONDS * 1000,
    },
    /** Host names (no port) accepted in the Host header; empty means "any" (only when not on loopback and unset). */
    allowedHosts: e.ALLOWED_HOSTS.length > 0 ? hostnames(e.ALLOWED_HOSTS) : loopback ? localNames : [],
    /** Origins accepted for browser requests; requests without Origin are not browser requests and pass. */
    allowedOrigins: e.ALLOWED_ORIGINS.length > 0 ? hostnames(e.ALLOWED_ORIGINS) : loopback ? localNames : [],
    auth: { mode: authMode, keys: apiKeys },
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    /** Proxies in front that append to X-Forwarded-For (ALB: 1; CloudFront + ALB: 2; none: 0). */
    trustedProxyHops: e.TRUSTED_PROXY_HOPS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    toolTimeoutMs: e.TOOL_TIMEOUT_MS,
    streamAfterMs: e.STREAM_AFTER_MS,
    keepAliveMs: e.SSE_KEEPALIVE_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    lake: {
      uri: lake,
      s3Endpoint: e.S3_ENDPOINT,
      forcePathStyle: e.S3_FORCE_PATH_STYLE ? e.S3_FORCE_PATH_STYLE === "true" : Boolean(e.S3_ENDPOINT),
      region: e.AWS_REGION,
      credentials:
        e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
          ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY }
          : undefined,
      publicBaseUrl: e.PUBLIC_BASE_URL,
      signingKey: e.DOWNLOAD_SIGNING_KEY,
    },
  };
}

import { z } from "zod";
import { ConfigError } from "./config-error.ts";
import { num } from "./config-number.ts";
import { type OAuthConfig, OAuthEnv, parseOAuth } from "./config-oauth.ts";

export { ConfigError };

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

const positiveInt = (fallback: number) => num(fallback);

const Env = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: num(8080, { min: 0, max: 65535 }),
  ESTAT_API_URL: z.url({ protocol: /^https?$/ }).default("https://api.e-stat.go.jp/rest/3.0/app"),
  ESTAT_APP_ID: z
    .string()
    .trim()
    .min(1)
    .optional()
    .or(z.literal("").transform(() => undefined)),
  ESTAT_TIMEOUT_MS: positiveInt(60_000),
  ESTAT_MAX_CONCURRENCY: positiveInt(4),
  ESTAT_MAX_QUEUE_PER_KEY: positiveInt(16),
  ESTAT_MAX_QUEUE: positiveInt(64),
  ESTAT_RETRIES: num(2, { min: 0, max: 5 }),
  CACHE_MAX_MB: num(64, { min: 0, whole: false }),
  CACHE_TTL_SECONDS: positiveInt(3600),
  ALLOWED_HOSTS: list,
  ALLOWED_ORIGINS: list,
  MCP_API_KEYS: list,
  MCP_API_KEY: z.string().trim().optional(),
  MCP_AUTH: z.enum(["keys", "none", "oauth"]).optional(),
  // NaN when unset: the default depends on the auth mode (see rateLimitPerMinute below).
  RATE_LIMIT_PER_MINUTE: num(Number.NaN, { min: 0 }),
  AUTH_FAILURES_PER_MINUTE: num(20, { min: 0 }),
  TRUSTED_PROXY_HOPS: num(0, { min: 0, max: 5 }),
  MAX_BODY_BYTES: positiveInt(1024 * 1024),
  TOOL_TIMEOUT_MS: positiveInt(120_000),
  EXECUTE_TIMEOUT_MS: num(undefined),
  STREAM_AFTER_MS: positiveInt(3000),
  SSE_KEEPALIVE_MS: positiveInt(15_000),
  SHUTDOWN_GRACE_MS: num(25_000, { min: 0 }),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt(125_000),
  HTTP_HEADERS_TIMEOUT_MS: positiveInt(20_000),
  HTTP_REQUEST_TIMEOUT_MS: positiveInt(30_000),
  // -1 when unset: the default depends on TRUSTED_PROXY_HOPS (see maxConnectionsPerIp below).
  MAX_CONNECTIONS_PER_IP: num(-1, { min: 0 }),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATA_LAKE: z.string().optional(),
  // Set by Heroku on every dyno (web.1, run.4321…): the dyno's disk is ephemeral.
  DYNO: z.string().optional(),
  S3_BUCKET: z.string().optional(),
  S3_ENDPOINT: z.url().optional(),
  S3_FORCE_PATH_STYLE: z.enum(["true", "false"]).optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_REGION: z.string().optional(),
  PUBLIC_BASE_URL: z.url().optional(),
  DOWNLOAD_SIGNING_KEY: z.string().min(16).optional(),
  ...OAuthEnv,
  RESPONSE_BUFFER_MAX_BYTES: positiveInt(1024 * 1024),
  RESPONSE_BUFFER_TOTAL_BYTES: positiveInt(64 * 1024 * 1024),
  RESPONSE_STALL_MS: positiveInt(30_000),
  LAKE_QUERY_CONCURRENCY: positiveInt(2),
  LAKE_QUERY_QUEUE: num(8, { min: 0 }),
  LAKE_QUERY_PER_KEY: positiveInt(2),
  LAKE_QUERY_MAX_GROUPS: positiveInt(20_000),
  LAKE_RETIRE_GRACE_SECONDS: num(300, { min: 0 }),
  LAKE_MAX_DATASETS: num(1000, { min: 0 }),
  LAKE_MAX_MB: num(10_240, { min: 0, whole: false, orEqual: true }),
});

export type Config = ReturnType<typeof parseEnv>;

/** Every variable parseEnv reads (the README documents each, in both languages: test/scripts/readme.test.ts). */
export const ENV_NAMES: readonly string[] = Object.keys(Env.shape);

function exactOrigin(entry: string): string {
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `https://${entry}`).origin;
  } catch {
    throw new ConfigError(
      `ALLOWED_ORIGINS: "${entry}" is not an origin. Write scheme://host[:port], e.g. https://app.example.jp or http://localhost:6274.`,
    );
  }
}

/** Values that must never reach a log line, an error or a response. */
export function secretsOf(config: Config): string[] {
  return [
    config.estat.appId,
    ...config.auth.keys,
    config.lake.credentials?.secretAccessKey,
    config.lake.signingKey,
    config.auth.oauth?.introspection?.clientSecret,
  ].filter(
    (s): s is string => Boolean(s),
  );
}

type AuthMode = "keys" | "none" | "oauth";

function authSettings(mode: AuthMode, keys: string[], oauth: OAuthConfig | undefined) {
  const auth: { mode: AuthMode; keys: string[]; oauth?: OAuthConfig } = { mode, keys };
  if (oauth) auth.oauth = oauth;
  return auth;
}

/** Keys whose values are never repeated in an error (they are, or may carry, secrets). */
const SECRET_KEY = /KEY|SECRET|APP_ID|TOKEN|PASSWORD/;

/** One line for a bad variable: what it accepts, and what it got unless that may be a secret. */
function describeIssue(key: string, issue: z.core.$ZodIssue, raw: string | undefined): string {
  const got = SECRET_KEY.test(key) || raw === undefined ? "" : `, got ${raw === "" ? "an empty value" : JSON.stringify(raw)}`;
  switch (issue.code) {
    case "custom":
      return `${key}: ${issue.message}`;
    case "invalid_value":
      return `${key}: expected one of ${issue.values.map(String).join(", ")}${got}`;
    case "invalid_format":
      return `${key}: expected ${issue.format === "url" ? "a URL (http:// or https://)" : issue.format}${got}`;
    case "too_small":
      return `${key}: expected at least ${issue.minimum} characters`;
    default:
      return `${key}: ${issue.message}${got}`;
  }
}

/**
 * The only reader of process.env: parse once at start-up. Every variable is checked on its own, then
 * the combinations, so one ConfigError lists every problem at once (one line each, with what is
 * accepted) rather than the first.
 */
export function parseEnv(env: Record<string, string | undefined> = process.env) {
  const problems: string[] = [];
  const bad = new Set<string>();
  const parsed: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(Env.shape)) {
    const r = (schema as z.ZodType).safeParse(env[key]);
    if (r.success) parsed[key] = r.data;
    else {
      bad.add(key);
      for (const issue of r.error.issues) problems.push(describeIssue(key, issue, env[key]));
    }
  }
  const e = parsed as z.infer<typeof Env>;
  const ok = (...keys: string[]) => keys.every((k) => !bad.has(k));
  const loopback = LOOPBACK.has(e.HOST);
  const apiKeys = ok("MCP_API_KEYS", "MCP_API_KEY") ? [...e.MCP_API_KEYS, ...(e.MCP_API_KEY ? [e.MCP_API_KEY] : [])] : [];
  if (apiKeys.some((key) => !/^[A-Za-z0-9._~-]{16,}$/.test(key))) {
    problems.push(
      "MCP_API_KEYS: every key must be at least 16 URL-safe characters (A-Z a-z 0-9 . _ ~ -). Generate one with `npm run keygen`.",
    );
  }
  const authMode = e.MCP_AUTH ?? (apiKeys.length > 0 ? "keys" : loopback ? "none" : undefined);
  if (authMode === undefined && ok("HOST", "MCP_AUTH", "MCP_API_KEYS", "MCP_API_KEY")) {
    problems.push(
      `HOST=${e.HOST} exposes the server beyond this machine, but no MCP_API_KEYS are set. ` +
        "Set MCP_API_KEYS (generate one with `npm run keygen`), or set MCP_AUTH=none if something in front of " +
        "the server (a VPN, a private network, an authenticating proxy) already decides who may call it.",
    );
  }
  if (authMode === "oauth" && apiKeys.length > 0) {
    problems.push(
      "MCP_AUTH=oauth and MCP_API_KEYS are not mixed on one endpoint: once a server advertises OAuth metadata, " +
        "some clients (Cursor) stop sending configured headers. Unset MCP_API_KEYS, or run a second deployment with keys.",
    );
  }
  if (authMode === "keys" && apiKeys.length === 0 && ok("MCP_API_KEYS", "MCP_API_KEY")) {
    problems.push("MCP_AUTH=keys needs at least one key in MCP_API_KEYS. Generate one with `npm run keygen`.");
  }
  const lake = e.DATA_LAKE ?? (e.S3_BUCKET ? `s3://${e.S3_BUCKET}` : "file://./data");
  if (ok("DATA_LAKE", "S3_BUCKET") && !/^(s3|file):\/\/./.test(lake)) {
    problems.push(`DATA_LAKE: expected s3://bucket/prefix or file://path, got ${JSON.stringify(lake)}`);
  }
  if (ok("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY") && Boolean(e.S3_ACCESS_KEY_ID) !== Boolean(e.S3_SECRET_ACCESS_KEY)) {
    problems.push("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS credential chain.");
  }
  const executeTimeoutMs = e.EXECUTE_TIMEOUT_MS ?? e.TOOL_TIMEOUT_MS;
  if (ok("EXECUTE_TIMEOUT_MS", "TOOL_TIMEOUT_MS") && executeTimeoutMs > e.TOOL_TIMEOUT_MS) {
    problems.push(
      `EXECUTE_TIMEOUT_MS (${executeTimeoutMs}) must not exceed TOOL_TIMEOUT_MS (${e.TOOL_TIMEOUT_MS}): it bounds POST /execute below the tool deadline.`,
    );
  }
  if (ok("HTTP_HEADERS_TIMEOUT_MS", "HTTP_REQUEST_TIMEOUT_MS") && e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push(
      `HTTP_HEADERS_TIMEOUT_MS (${e.HTTP_HEADERS_TIMEOUT_MS}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${e.HTTP_REQUEST_TIMEOUT_MS}): the whole request includes its headers.`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems.join("\n"));
  const localNames = ["localhost", "127.0.0.1", "[::1]"];
  const hostnames = (xs: string[]) =>
    xs.map((x) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(x) ? new URL(x).host.replace(/:\d+$/, "") : x));
  const warnings: string[] = [];
  if (e.DYNO && lake.startsWith("file://")) {
    warnings.push(
      `DATA_LAKE is ${lake} on a Heroku dyno (${e.DYNO}): the dyno's disk is wiped at every restart, deploy and ` +
        "daily cycling, and each dyno has its own, so saved datasets disappear. Set DATA_LAKE=s3://bucket/prefix " +
        "(any S3-compatible bucket, with S3_ENDPOINT and S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY).",
    );
  }
  return {
    /** What the server must say loudly at start and in /readyz (it still runs). */
    warnings,
    host: e.HOST,
    port: e.PORT,
    estat: {
      baseUrl: e.ESTAT_API_URL.replace(/\/+$/, ""),
      appId: e.ESTAT_APP_ID,
      timeoutMs: e.ESTAT_TIMEOUT_MS,
      maxConcurrency: e.ESTAT_MAX_CONCURRENCY,
      maxQueuedPerKey: e.ESTAT_MAX_QUEUE_PER_KEY,
      maxQueued: e.ESTAT_MAX_QUEUE,
      retries: e.ESTAT_RETRIES,
      cacheMaxBytes: Math.round(e.CACHE_MAX_MB * 1024 * 1024),
      cacheTtlMs: e.CACHE_TTL_SECONDS * 1000,
    },
    /** Host names (no port) accepted in the Host header; empty means "any" (only when not on loopback and unset). */
    allowedHosts: e.ALLOWED_HOSTS.length > 0 ? hostnames(e.ALLOWED_HOSTS) : loopback ? localNames : [],
    /**
     * Exact origins (scheme://host[:port]) accepted for browser requests; a bare name means https://name.
     * Requests without Origin are not browser requests and pass. Unset on loopback: the server's own
     * origin only (an Origin that is http://<the request's Host> on a loopback name).
     */
    allowedOrigins: e.ALLOWED_ORIGINS.map(exactOrigin),
    sameOriginOnLoopback: e.ALLOWED_ORIGINS.length === 0 && loopback,
    auth: authSettings(authMode as AuthMode, apiKeys, parseOAuth(e, authMode as AuthMode, e.PUBLIC_BASE_URL)),
    /**
     * Requests per key (per client IP without auth) per minute. Off by default only for a loopback server
     * without auth (`npm start`, the demo): the limit protects deployed servers, not a person exploring.
     */
    rateLimitPerMinute: Number.isNaN(e.RATE_LIMIT_PER_MINUTE)
      ? authMode === "none" && loopback
        ? 0
        : 100
      : e.RATE_LIMIT_PER_MINUTE,
    /** Failed authentications per client IP per minute before further attempts get 429. */
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    /** Proxies in front that append to X-Forwarded-For (ALB: 1; CloudFront + ALB: 2; none: 0). */
    trustedProxyHops: e.TRUSTED_PROXY_HOPS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    toolTimeoutMs: e.TOOL_TIMEOUT_MS,
    /** POST /execute's deadline: its answer is one silent JSON body, so it sits below a CDN's read timeout. */
    executeTimeoutMs,
    streamAfterMs: e.STREAM_AFTER_MS,
    keepAliveMs: e.SSE_KEEPALIVE_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    /** Answers whose clients stop reading are dropped (server/http/backpressure.ts). */
    slowReaders: {
      maxBufferedBytes: e.RESPONSE_BUFFER_MAX_BYTES,
      totalBufferedBytes: e.RESPONSE_BUFFER_TOTAL_BYTES,
      stallMs: e.RESPONSE_STALL_MS,
    },
    keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    /** Receiving a request's headers, and the whole request (headers and body); never the answer. */
    headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
    /** Open connections per client address; behind proxies every connection comes from them: off (0). */
    maxConnectionsPerIp: e.MAX_CONNECTIONS_PER_IP >= 0 ? e.MAX_CONNECTIONS_PER_IP : e.TRUSTED_PROXY_HOPS > 0 ? 0 : 64,
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
      /** Bounds on query_dataset: memory is about `concurrency` × (one row group + maxGroups groups). */
      queries: {
        concurrency: e.LAKE_QUERY_CONCURRENCY,
        queue: e.LAKE_QUERY_QUEUE,
        perKey: e.LAKE_QUERY_PER_KEY,
        maxGroups: e.LAKE_QUERY_MAX_GROUPS,
      },
      /** A replaced version's files stay this long for readers that read the old manifest. */
      retireGraceMs: e.LAKE_RETIRE_GRACE_SECONDS * 1000,
      /** 0 = no limit. */
      maxDatasets: e.LAKE_MAX_DATASETS || undefined,
      maxBytes: e.LAKE_MAX_MB ? Math.round(e.LAKE_MAX_MB * 1024 * 1024) : undefined,
    },
  };
}

const SSM_SUFFIX = "_SSM_PARAMETER";

/**
 * `X_SSM_PARAMETER=/name` says that the value of `X` lives in the SSM SecureString parameter `/name`
 * (the Lambda entry reads them once per cold start, then calls parseEnvWith). Only variables parseEnv
 * knows may be named; the map is variable → parameter name.
 */
export function ssmParametersOf(env: Record<string, string | undefined> = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!key.endsWith(SSM_SUFFIX) || !value) continue;
    const target = key.slice(0, -SSM_SUFFIX.length);
    if (target in Env.shape) out[target] = value;
    else unknown.push(key);
  }
  if (unknown.length > 0) {
    throw new ConfigError(
      `${unknown.join(", ")}: no such variable to read from SSM (expected ${SSM_SUFFIX} after a variable this server reads, e.g. ESTAT_APP_ID${SSM_SUFFIX})`,
    );
  }
  return out;
}

/** parseEnv over the environment with some values supplied from elsewhere (SSM), which win. */
export function parseEnvWith(values: Record<string, string>, env: Record<string, string | undefined> = process.env) {
  return parseEnv({ ...env, ...values });
}

import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** The project's config namespace: `pulumi config set estat-mcp:<key>`. */
export const PROJECT = "estat-mcp";

export const TARGETS = ["aws-fargate"] as const;
export const PLANNED_TARGETS = ["aws-lambda", "gcp-cloud-run"] as const;

/**
 * Where Fargate tasks run. FARGATE_SPOT is spare capacity at a discount (AWS: up to 70 %), for both
 * X86_64 and ARM64 tasks on platform 1.4.0+, but AWS may reclaim a task with two minutes' notice.
 */
export const CAPACITY_PROVIDERS = ["FARGATE", "FARGATE_SPOT"] as const;

/** Fargate's valid task sizes: CPU units → memory MiB. */
export const FARGATE_SIZES: Record<string, number[]> = {
  "256": [512, 1024, 2048],
  "512": range(1024, 4096, 1024),
  "1024": range(2048, 8192, 1024),
  "2048": range(4096, 16384, 1024),
  "4096": range(8192, 30720, 1024),
  "8192": range(16384, 61440, 4096),
  "16384": range(32768, 122880, 8192),
};

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

const bool = z.enum(["true", "false"], { error: "must be true or false" }).transform((v) => v === "true");
const int = (min: number, max: number) =>
  z.coerce
    .number({ error: "must be a whole number" })
    .int({ error: "must be a whole number" })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const Schema = z
  .object({
    target: z.enum(TARGETS, {
      error: (i) =>
        `unknown target "${String(i.input)}". Valid: ${TARGETS.join(", ")} (planned, not built yet: ${PLANNED_TARGETS.join(", ")})`,
    }),
    cpu: z.string().refine((v) => v in FARGATE_SIZES, {
      error: `Unsupported Fargate CPU. Supported: ${Object.keys(FARGATE_SIZES).join(", ")} (units; 1024 = 1 vCPU)`,
    }),
    memory: int(512, 122880),
    cpuArchitecture: z.enum(["ARM64", "X86_64"], { error: "must be ARM64 (cheaper) or X86_64" }),
    containerPort: int(1024, 65535),
    minTasks: int(1, 100),
    maxTasks: int(1, 100),
    cpuTargetPercent: int(10, 90),
    requestsPerTargetPerMinute: int(10, 100000),
    natGateways: z.enum(["none", "single", "perAz"], { error: "must be one of: none, single, perAz" }),
    taskSubnets: z.enum(["public", "private"], { error: "must be one of: public, private" }),
    domainName: z
      .string()
      .regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/, { error: "must be a lower-case DNS name" })
      .optional(),
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]+$/, { error: "must be a Route 53 hosted zone id (Z…)" })
      .optional(),
    waf: bool,
    wafRateLimitPer5Min: int(10, 2_000_000_000),
    containerInsights: bool,
    capacityProvider: z.enum(CAPACITY_PROVIDERS, {
      error: (i) =>
        `unknown capacity provider "${String(i.input)}". Valid: FARGATE (on-demand), FARGATE_SPOT (discounted, tasks may be interrupted with 2 minutes' notice)`,
    }),
    dashboard: bool,
    alarmEmail: z.email({ error: "must be an e-mail address" }).optional(),
    logRetentionDays: z.coerce.number().refine((v) => LOG_RETENTION_DAYS.includes(v), {
      error: `Unsupported log retention. Supported days: ${LOG_RETENTION_DAYS.join(", ")}`,
    }),
    retainData: bool,
    deletionProtection: bool,
    albAccessLogs: bool,
    imageRetention: int(1, 1000),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace"], {
      error: "must be one of: fatal, error, warn, info, debug, trace",
    }),
    rateLimitPerMinute: int(1, 100000),
    p99LatencySeconds: int(1, 120),
  })
  .superRefine((c, ctx) => {
    const valid = FARGATE_SIZES[c.cpu];
    if (valid && !valid.includes(c.memory)) {
      ctx.addIssue({
        code: "custom",
        path: ["memory"],
        message: `Unsupported memory ${c.memory} MiB for cpu ${c.cpu}. Supported with cpu ${c.cpu}: ${valid.join(", ")}. All pairs: ${Object.entries(
          FARGATE_SIZES,
        )
          .map(([cpu, mem]) => `${cpu}→${mem[0]}-${mem[mem.length - 1]}`)
          .join(", ")}`,
      });
    }
    if (c.minTasks > c.maxTasks) {
      ctx.addIssue({ code: "custom", path: ["maxTasks"], message: `must be ≥ minTasks (${c.minTasks})` });
    }
    if (c.taskSubnets === "private" && c.natGateways === "none") {
      ctx.addIssue({
        code: "custom",
        path: ["taskSubnets"],
        message:
          "tasks in private subnets need a NAT gateway to pull from ECR and reach e-Stat. Set natGateways to single or perAz, or taskSubnets to public",
      });
    }
    if (Boolean(c.domainName) !== Boolean(c.hostedZoneId)) {
      ctx.addIssue({
        code: "custom",
        path: [c.domainName ? "hostedZoneId" : "domainName"],
        message: "domainName and hostedZoneId go together: set both (ALB with ACM) or neither (CloudFront)",
      });
    }
  });

/** Defaults shared by every stack; Pulumi.<stack>.yaml overrides them. */
export const DEFAULTS: Record<string, string> = {
  target: "aws-fargate",
  cpu: "256",
  memory: "512",
  cpuArchitecture: "ARM64",
  containerPort: "8080",
  minTasks: "1",
  maxTasks: "2",
  cpuTargetPercent: "60",
  requestsPerTargetPerMinute: "600",
  natGateways: "none",
  taskSubnets: "public",
  waf: "true",
  wafRateLimitPer5Min: "1000",
  containerInsights: "true",
  capacityProvider: "FARGATE",
  dashboard: "true",
  logRetentionDays: "30",
  retainData: "false",
  deletionProtection: "false",
  albAccessLogs: "false",
  imageRetention: "10",
  logLevel: "info",
  rateLimitPerMinute: "120",
  p99LatencySeconds: "45",
};

export const CONFIG_KEYS = Object.keys(Schema.shape) as (keyof z.infer<typeof Schema>)[];

export type StackSettings = z.infer<typeof Schema>;
export type CapacityProvider = (typeof CAPACITY_PROVIDERS)[number];

export interface StackConfig extends StackSettings {
  project: string;
  stack: string;
  /** e-Stat appId, a secret. */
  estatAppId: pulumi.Output<string>;
  /** Comma-separated API keys, a secret; undefined means "generate one". */
  apiKeys?: pulumi.Output<string>;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

const SECRET_KEYS = ["estatAppId", "apiKeys"];

/**
 * Validates plain (non-secret) settings; every bad key is listed with its valid values, and keys the
 * program does not know (typos would otherwise be ignored silently) are listed with the known ones.
 */
export function parseSettings(
  raw: Record<string, string | undefined>,
  setKeys: string[] = [],
): StackSettings {
  const merged: Record<string, string> = { ...DEFAULTS };
  for (const [k, v] of Object.entries(raw)) if (v !== undefined && v !== "") merged[k] = v;
  const r = Schema.safeParse(merged);
  const known = [...CONFIG_KEYS, ...SECRET_KEYS] as string[];
  const unknown = setKeys.filter((k) => !known.includes(k));
  if (r.success && unknown.length === 0) return r.data;
  const lines = [
    ...unknown.map((k) => `  - ${PROJECT}:${k}: unknown key. Known keys: ${known.join(", ")}`),
    ...(r.success ? [] : r.error.issues).map(
      (i) => `  - ${PROJECT}:${i.path.join(".") || "(config)"}: ${i.message}`,
    ),
  ];
  throw new ConfigError(`Invalid stack configuration:\n${lines.join("\n")}`);
}

/** Validates the API keys a user configured: comma-separated, URL-safe, at least 32 characters each. */
export function parseApiKeys(value: string): string[] {
  const keys = value
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  const bad = keys.filter((k) => !/^[A-Za-z0-9_-]{32,}$/.test(k));
  if (keys.length === 0 || bad.length > 0) {
    throw new ConfigError(
      `${PROJECT}:apiKeys must be comma-separated keys of at least 32 URL-safe characters (A-Z a-z 0-9 _ -). ` +
        `Generate one with: openssl rand -hex 32 | pulumi config set --secret ${PROJECT}:apiKeys, ` +
        `or remove the key to have one generated: pulumi config rm ${PROJECT}:apiKeys`,
    );
  }
  return keys;
}

export function missingSecretMessage(key: string, what: string): string {
  return `Missing secret ${PROJECT}:${key} (${what}). Set it with:\n  pulumi config set --secret ${PROJECT}:${key} <value>`;
}

/** The only reader of Pulumi config in the program. */
export function loadConfig(): StackConfig {
  const cfg = new pulumi.Config(PROJECT);
  const raw: Record<string, string | undefined> = {};
  for (const key of CONFIG_KEYS) raw[key] = cfg.get(key);
  const setKeys = Object.keys(pulumi.runtime.allConfig())
    .filter((k) => k.startsWith(`${PROJECT}:`))
    .map((k) => k.slice(PROJECT.length + 1));
  let settings: StackSettings;
  try {
    settings = parseSettings(raw, setKeys);
  } catch (e) {
    throw new pulumi.RunError((e as Error).message);
  }
  const estatAppId = cfg.getSecret("estatAppId");
  if (estatAppId === undefined) {
    throw new pulumi.RunError(missingSecretMessage("estatAppId", "your e-Stat application ID"));
  }
  const apiKeys = cfg.getSecret("apiKeys")?.apply((v) => parseApiKeys(v).join(","));
  return { ...settings, project: pulumi.getProject(), stack: pulumi.getStack(), estatAppId, apiKeys };
}

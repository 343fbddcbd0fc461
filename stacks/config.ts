import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { awsFargate } from "./aws-fargate/config.ts";
import { gcpCloudRun } from "./gcp-cloud-run/config.ts";
import { kubernetes } from "./kubernetes/config.ts";
import { awsLambda } from "./aws-lambda/config.ts";
import { bool, int, oneOf, type TargetSlice } from "./shared/settings.ts";

/** The project's config namespace: `pulumi config set estat-mcp:<key>`. */
export const PROJECT = "estat-mcp";

export const PLANNED_TARGETS: readonly string[] = [];

/** Keys every target has: what the server is told, and what happens to the data and the alarms. */
const COMMON_SHAPE = {
  alarmEmail: z.email({ error: "must be an e-mail address" }).optional(),
  retainData: bool,
  logLevel: oneOf(["fatal", "error", "warn", "info", "debug", "trace"]),
  rateLimitPerMinute: int(1, 100000),
};
const COMMON_DEFAULTS: Record<string, string> = { retainData: "false", logLevel: "info", rateLimitPerMinute: "120" };

/** A target's slice with the common keys and its `target` literal: one option of the union. */
function option<T extends string, S extends z.ZodRawShape>(slice: TargetSlice<T, S>) {
  const schema = z
    .object({ target: z.literal(slice.target), ...slice.shape, ...COMMON_SHAPE })
    .superRefine((c, ctx) => slice.check?.(c as z.infer<z.ZodObject<S>>, ctx));
  return { slice: slice as TargetSlice<string, z.ZodRawShape>, schema };
}

/** Every built target. A new target adds its slice here: `option(awsLambda),`. */
const OPTIONS = [option(awsFargate), option(kubernetes), option(awsLambda), option(gcpCloudRun)] as const;

export type TargetName = z.infer<(typeof OPTIONS)[number]["schema"]>["target"];
export const TARGET_NAMES = OPTIONS.map((o) => o.slice.target) as TargetName[];
export const DEFAULT_TARGET: TargetName = "aws-fargate";
const SLICES = new Map(OPTIONS.map((o) => [o.slice.target, o.slice]));

const Settings = z.discriminatedUnion(
  "target",
  OPTIONS.map((o) => o.schema) as unknown as [(typeof OPTIONS)[number]["schema"]],
  {
    error: (i) =>
      i.code === "invalid_union"
        ? `unknown target "${String((i.input as { target?: unknown })?.target)}". Valid: ${TARGET_NAMES.join(", ")}${PLANNED_TARGETS.length ? ` (planned, not built yet: ${PLANNED_TARGETS.join(", ")})` : ""}`
        : undefined,
  },
);

/** Every key some target knows (plain settings, not secrets). */
export const CONFIG_KEYS = [
  ...new Set(["target", ...OPTIONS.flatMap((o) => Object.keys(o.slice.shape)), ...Object.keys(COMMON_SHAPE)]),
];
/**
 * Every key that some target gives a default, for the tests that check each key is defaulted or optional.
 * Not a table of values: targets may default a shared key differently (`entry`: kubernetes `ingress`,
 * aws-lambda `apiGateway`), and the last one wins here; a target's own defaults are its slice's.
 */
export const DEFAULTS: Record<string, string> = Object.assign(
  { target: DEFAULT_TARGET },
  COMMON_DEFAULTS,
  ...OPTIONS.map((o) => o.slice.defaults),
);

export type StackSettings = z.infer<typeof Settings>;

export type StackConfig = StackSettings & {
  project: string;
  stack: string;
  /** e-Stat appId, a secret. */
  estatAppId: pulumi.Output<string>;
  /** Comma-separated API keys, a secret; undefined means "generate one". */
  apiKeys?: pulumi.Output<string>;
  /** The provider's region (`aws:region`) on AWS targets. */
  region?: string;
  /** The chosen target's own secret keys (its slice's `secretKeys`) that are set. */
  targetSecrets: Record<string, pulumi.Output<string>>;
};

/** The configuration of one target, as its deploy function receives it. */
export type TargetConfig<T extends TargetName> = Extract<StackConfig, { target: T }>;

const SECRET_KEYS = ["estatAppId", "apiKeys"];

/** A problem with one key; `values` lists what it accepts when that is a short list. */
export interface ConfigProblem {
  key: string;
  kind: "unknown" | "invalid";
  values?: string[];
}

export class ConfigError extends Error {
  override name = "ConfigError";
  readonly problems: ConfigProblem[];
  constructor(message: string, problems: ConfigProblem[] = []) {
    super(message);
    this.problems = problems;
  }
}

/** The keys a stack of `target` may set, in the order messages list them. */
export function configKeys(target: string): string[] {
  const slice = SLICES.get(target);
  return slice
    ? ["target", ...Object.keys(slice.shape), ...Object.keys(COMMON_SHAPE), ...SECRET_KEYS, ...(slice.secretKeys ?? [])]
    : [];
}

/**
 * Validates plain (non-secret) settings against the chosen target's slice; every bad key is listed with
 * its valid values, and keys the target does not know (typos would otherwise be ignored silently) are
 * listed with the known ones.
 */
export function parseSettings(
  raw: Record<string, string | undefined>,
  setKeys: string[] = [],
  stack?: string,
): StackSettings {
  const target = raw.target || DEFAULT_TARGET;
  const slice = SLICES.get(target);
  const merged: Record<string, string> = { target: DEFAULT_TARGET, ...COMMON_DEFAULTS, ...slice?.defaults };
  for (const [k, v] of Object.entries(raw)) if (v !== undefined && v !== "") merged[k] = v;
  const r = Settings.safeParse(merged);
  const known = configKeys(target);
  const unknown = slice ? setKeys.filter((k) => !known.includes(k)) : [];
  const stackIssues = r.success ? stackRules(r.data, stack) : [];
  if (r.success && unknown.length === 0 && stackIssues.length === 0) return r.data;
  const issues = (r.success ? stackIssues : r.error.issues)
    .map((i) => ({ key: i.path.join(".") || "(config)", issue: i }))
    .sort((a, b) => a.key.localeCompare(b.key));
  const lines = [
    ...unknown.map((k) => `  - ${PROJECT}:${k}: ${unknownKey(k, target)}. Known keys: ${known.join(", ")}`),
    ...issues.map(({ key, issue }) => `  - ${PROJECT}:${key}: ${issue.message}`),
  ];
  const problems: ConfigProblem[] = [
    ...unknown.map((key) => ({ key, kind: "unknown" as const })),
    ...issues.map(({ key, issue }) => ({
      key,
      kind: "invalid" as const,
      values: "values" in issue ? (issue.values as unknown[]).map(String) : key === "target" ? TARGET_NAMES : undefined,
    })),
  ];
  throw new ConfigError(`Invalid stack configuration:\n${lines.join("\n")}`, problems);
}

/** The stack named `prod` serves users: its alarms must reach someone. */
export const PROD_STACK = "prod";

function stackRules(settings: StackSettings, stack: string | undefined): { path: string[]; message: string }[] {
  if (stack !== PROD_STACK || settings.alarmEmail) return [];
  return [
    {
      path: ["alarmEmail"],
      message: `the ${PROD_STACK} stack's alarms would notify nobody: set the address that receives them (then confirm AWS's subscription mail)`,
    },
  ];
}

function unknownKey(key: string, target: string): string {
  const owners = OPTIONS.filter((o) => key in o.slice.shape).map((o) => o.slice.target);
  return owners.length ? `not a key of target ${target} (it belongs to ${owners.join(", ")})` : "unknown key";
}

/** What a value looks like, where `<value>` would not say. */
const EXAMPLES: Record<string, string> = { alarmEmail: "you@example.jp" };

/** The `pulumi config` commands that fix each problem. */
export function fixCommands(problems: ConfigProblem[]): string[] {
  return problems.map((p) =>
    p.kind === "unknown"
      ? `pulumi config rm ${PROJECT}:${p.key}`
      : `pulumi config set ${PROJECT}:${p.key} ${p.values ? `<${p.values.join("|")}>` : `<${EXAMPLES[p.key] ?? "value"}>`}`,
  );
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
    settings = parseSettings(raw, setKeys, pulumi.getStack());
  } catch (e) {
    const fixes = e instanceof ConfigError ? fixCommands(e.problems) : [];
    const how = fixes.length ? `\nFix with:\n${fixes.map((f) => `  ${f}`).join("\n")}` : "";
    throw new pulumi.RunError(`${(e as Error).message}${how}`);
  }
  const estatAppId = cfg.getSecret("estatAppId");
  if (estatAppId === undefined) {
    throw new pulumi.RunError(missingSecretMessage("estatAppId", "your e-Stat application ID"));
  }
  const apiKeys = cfg.getSecret("apiKeys")?.apply((v) => parseApiKeys(v).join(","));
  const region = new pulumi.Config("aws").get("region");
  const targetSecrets: Record<string, pulumi.Output<string>> = {};
  for (const key of SLICES.get(settings.target)?.secretKeys ?? []) {
    const value = cfg.getSecret(key);
    if (value !== undefined) targetSecrets[key] = value;
  }
  return {
    ...settings,
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    estatAppId,
    apiKeys,
    region,
    targetSecrets,
  };
}

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const root = fileURLToPath(new URL("../../", import.meta.url));
const recorder = fileURLToPath(new URL("./record.ts", import.meta.url));

export interface Recorded {
  id: string;
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, any>;
  state: Record<string, any>;
  /**
   * When the engine asked for the resource and when the mock answered (record.ts's one clock): a
   * resource that dependsOn another starts after it finished.
   */
  started: number;
  finished: number;
  /** The resource options the engine was given: the parent's URN, and what replacing or deleting does. */
  options: { parent: string; deleteBeforeReplace: boolean; protect: boolean; retainOnDelete: boolean };
}

export interface Run {
  resources: Recorded[];
  outputs: Record<string, any>;
  errors: string[];
}

export const APP_ID = "0123456789abcdef0123456789abcdef01234567";

/** prod with a custom domain (ACM on an internet-facing ALB, no CloudFront) and an alarm e-mail. */
export function prodWithDomain(): Record<string, string> {
  return {
    ...operatorConfig("prod"),
    "estat-mcp:domainName": "mcp.example.jp",
    "estat-mcp:hostedZoneId": "Z0123456789ABC",
  };
}

/** prod with a domain served by CloudFront (domainVia: cloudfront: ACM in us-east-1, internal ALB). */
export function prodWithCloudFrontDomain(): Record<string, string> {
  return { ...prodWithDomain(), "estat-mcp:domainVia": "cloudfront" };
}

/** The e-mail the prod stack's operator sets (prod refuses to run without one): `pulumi config set estat-mcp:alarmEmail`. */
export const PROD_ALARM_EMAIL = "ops@example.jp";

/** A stack as its operator runs it: the committed file, plus for prod the alarm e-mail it requires. */
export function operatorConfig(stack: string): Record<string, string> {
  return stack === "prod"
    ? { ...stackFile(stack), "estat-mcp:alarmEmail": PROD_ALARM_EMAIL }
    : stackFile(stack);
}

/** The flat `config:` map of a committed Pulumi.<stack>.yaml. */
export function stackFile(stack: string): Record<string, string> {
  const text = readFileSync(`${root}Pulumi.${stack}.yaml`, "utf8");
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^ {2}([\w:.-]+):\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return out;
}

const cache = new Map<string, Promise<Run>>();

/**
 * Runs the program under mocks in a child process with the given stack's config (its committed
 * Pulumi.<stack>.yaml, plus what its operator must set, when `config` is omitted) and secrets passed as
 * secret config.
 */
export function runStack(
  stack: string,
  config: Record<string, string> = operatorConfig(stack),
  secrets: Record<string, string> = { "estat-mcp:estatAppId": APP_ID },
): Promise<Run> {
  const key = JSON.stringify([stack, config, secrets]);
  let run = cache.get(key);
  if (!run) {
    run = new Promise<Run>((resolve, reject) => {
      execFile(
        process.execPath,
        // No tsx: the program must load with Node's own type stripping, as `pulumi up` loads it.
        [recorder],
        {
          cwd: root,
          maxBuffer: 64 * 1024 * 1024,
          env: {
            ...process.env,
            ESTAT_TEST_STACK: stack,
            PULUMI_CONFIG: JSON.stringify({ ...config, ...secrets }),
            PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(Object.keys(secrets)),
          },
        },
        (err, stdout, stderr) => {
          const line = stdout.split("\n").find((l) => l.startsWith("@@RESULT@@"));
          if (!line) return reject(new Error(`recorder failed: ${err?.message}\n${stderr}`));
          resolve(JSON.parse(line.slice("@@RESULT@@".length)));
        },
      );
    });
    cache.set(key, run);
  }
  return run;
}

/** runStack, failing (the before hook, or the test) when the program reported errors. */
export async function cleanRun(...args: Parameters<typeof runStack>): Promise<Run> {
  const run = await runStack(...args);
  assert.deepEqual(run.errors, []);
  return run;
}

/**
 * Runs `stack`'s committed config with `overrides`, which the program must refuse before creating
 * anything; returns the message it failed with (the first error).
 */
export async function refusedConfig(stack: string, overrides: Record<string, string>): Promise<string> {
  const run = await runStack(stack, { ...stackFile(stack), ...overrides });
  assert.equal(run.resources.length, 0);
  return run.errors[0];
}

export function ofType(run: Run, type: string): Recorded[] {
  return run.resources.filter((r) => r.type === type);
}

export function one(run: Run, type: string, nameSuffix = ""): Recorded {
  const found = ofType(run, type).filter((r) => r.name.endsWith(nameSuffix));
  if (found.length !== 1) {
    throw new Error(
      `expected one ${type} named *${nameSuffix}, found ${found.map((r) => r.name).join(", ")}`,
    );
  }
  return found[0];
}

export function countByType(run: Run): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of run.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** A deep copy of `value` with `change` applied to it (a chain or an input with one thing broken). */
export function changedCopy<T>(value: T, change: (copy: T) => void): T {
  const copy = structuredClone(value);
  change(copy);
  return copy;
}

/** JSON-parses a string input (IAM documents, container definitions). */
export function json(v: unknown): any {
  return typeof v === "string" ? JSON.parse(v) : v;
}

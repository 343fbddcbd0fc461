/**
 * Loads dist/server/lambda.mjs as the Lambda runtime would: a fresh module instance (a cold start) with
 * exactly the environment given, which the bundle's top level reads. The environment is restored after.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const BUNDLE = join(import.meta.dirname, "..", "..", "..", "dist", "server", "lambda.mjs");

let instances = 0;

export async function loadBundledHandler(env: Record<string, string>): Promise<unknown> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` (the test suites' root hook does)`);
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (k !== "PATH" && k !== "HOME") delete process.env[k];
  // What the Lambda stacks set (stacks/shared/server-env.ts): not loopback, quiet in tests.
  Object.assign(process.env, { HOST: "0.0.0.0", LOG_LEVEL: "warn", ...env });
  try {
    instances += 1;
    const mod = (await import(`${pathToFileURL(BUNDLE).href}?cold-start=${instances}`)) as { handler: unknown };
    return mod.handler;
  } finally {
    for (const k of Object.keys(process.env)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

/**
 * Mocha global setup: `npm run build` once before the suite, so the tests that load the shipped bundle
 * (dist/server/lambda.mjs, dist/lambda.zip) test what this checkout builds, in a fresh clone too.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export function mochaGlobalSetup() {
  execFileSync(process.execPath, [join(import.meta.dirname, "..", "..", "scripts", "build.mjs")], { stdio: ["ignore", "ignore", "inherit"] });
}

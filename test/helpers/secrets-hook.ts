/**
 * Mocha root hook: after the whole suite, no server started through startServer may have written one
 * of its secrets (the e-Stat appId, an API key) to a log line or a response body. Registered in
 * .mocharc.json (`require`), so it covers the traffic of every test file, not just secrets.test.ts.
 */
import assert from "node:assert/strict";
import { exposures } from "./server.ts";

/** Where any secret of any recorded server appears; empty when none leaked. */
export function leaks(): string[] {
  const found: string[] = [];
  for (const [i, e] of exposures.entries()) {
    for (const secret of e.secrets) {
      for (const line of e.logs) if (line.includes(secret)) found.push(`server ${i} log: ${line.slice(0, 300)}`);
      for (const body of e.responses)
        if (body.includes(secret)) found.push(`server ${i} response: ${body.slice(0, 300)}`);
    }
  }
  return found;
}

export const mochaHooks = {
  afterAll() {
    const logLines = exposures.reduce((n, e) => n + e.logs.length, 0);
    const bodies = exposures.reduce((n, e) => n + e.responses.length, 0);
    assert.deepEqual(leaks(), [], `secrets leaked (checked ${logLines} log lines, ${bodies} responses)`);
  },
};

// POST /execute answers in one plain JSON body, so a CDN in front (CloudFront: 60 s origin read
// timeout) turns a silent answer past its limit into its own 504 page. EXECUTE_TIMEOUT_MS bounds
// /execute below that limit with our own clear error, while /mcp (which streams) keeps the tool deadline.
import assert from "node:assert/strict";
import { parseEnv } from "../../server/config.ts";
import { connect, text, useServer } from "../helpers/server.ts";

const SEARCH = { name: "search_stats", arguments: { query: "男女別人口", surveyYears: "2020" } };

describe("the /execute deadline (EXECUTE_TIMEOUT_MS) below the tool deadline", () => {
  const s = useServer({
    env: {
      ESTAT_TIMEOUT_MS: "4000",
      ESTAT_RETRIES: "0",
      RATE_LIMIT_PER_MINUTE: "0",
      TOOL_TIMEOUT_MS: "5000",
      EXECUTE_TIMEOUT_MS: "1000",
    },
  });

  it("ends /execute at its own deadline with a 504 that says to use /mcp for long calls", async () => {
    s.fake.on("getStatsList", () => ({ delayMs: 2500 }));
    const started = performance.now();
    const res = await fetch(`${s.srv.base}/execute`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tool_name: SEARCH.name, arguments: { ...SEARCH.arguments, limit: 3 } }),
    });
    const elapsed = performance.now() - started;
    assert.equal(res.status, 504);
    assert.deepEqual(await res.json(), {
      success: false,
      error:
        "search_stats did not finish within 1 s. POST /execute answers within 1 s on this server; " +
        "run long calls over POST /mcp, which streams them.",
    });
    assert.ok(elapsed >= 900 && elapsed < 2300, `ended at the /execute deadline: ${elapsed.toFixed(0)} ms`);
  });

  it("lets the same call finish over /mcp, which keeps the tool deadline", async () => {
    s.fake.on("getStatsList", () => ({ delayMs: 2500 }));
    const client = await connect(s.srv.base, "modern");
    const r = await client.callTool(SEARCH);
    await client.close();
    assert.equal(r.isError, undefined, text(r));
  });

  it("defaults to the tool deadline, and is never above it", () => {
    const env = { MCP_AUTH: "none" };
    assert.equal(parseEnv(env).executeTimeoutMs, 120_000);
    assert.equal(parseEnv({ ...env, TOOL_TIMEOUT_MS: "90000" }).executeTimeoutMs, 90_000);
    assert.equal(parseEnv({ ...env, EXECUTE_TIMEOUT_MS: "55000" }).executeTimeoutMs, 55_000);
    assert.throws(
      () => parseEnv({ ...env, TOOL_TIMEOUT_MS: "50000", EXECUTE_TIMEOUT_MS: "55000" }),
      /EXECUTE_TIMEOUT_MS \(55000\) must not exceed TOOL_TIMEOUT_MS \(50000\)/,
    );
  });
});

import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import type { FakeEstat as Fake, Reply } from "../helpers/fake-estat.ts";
import { FakeEstat } from "../helpers/fake-estat.ts";
import { connect, type Running, startServer, text } from "../helpers/server.ts";

const ESTAT_TOOLS = ["search_stats", "get_meta_info", "get_stats_data", "get_data_catalog", "get_table_url"];
const listsTools = async (client: Client) => {
  const names = (await client.listTools()).tools.map((t) => t.name);
  for (const name of ESTAT_TOOLS) assert.ok(names.includes(name), `${name} in ${names}`);
};

const SEARCH = { name: "search_stats", arguments: { query: "男女別人口", surveyYears: "2020" } };

/** A fault scripted on e-Stat, the message the model must get, and how many upstream attempts it takes. */
const FAULTS: { name: string; reply: Reply; message: string; attempts: number }[] = [
  {
    name: "slower than ESTAT_TIMEOUT_MS",
    reply: { delayMs: 1500 },
    message:
      "e-Stat did not answer within 1 s. Narrow the request (filters, limit) or try again later.",
    attempts: 3,
  },
  {
    name: "HTTP 500",
    reply: { status: 500, body: "<html><body>Internal Server Error</body></html>" },
    message: "e-Stat answered HTTP 500. Try again later.",
    attempts: 3,
  },
  {
    name: "a connection reset",
    reply: { reset: true },
    message: "e-Stat could not be reached (the connection failed). Try again later.",
    attempts: 3,
  },
  {
    name: "garbage JSON",
    reply: { status: 200, body: '{"GET_STATS_LIST": {"RESULT": ', contentType: "application/json" },
    message: "e-Stat answered HTTP 200 with a body that is not JSON. Try again later.",
    attempts: 1,
  },
  {
    name: "an HTML 403 (a rejected appId)",
    reply: { status: 403, body: "<html><head><title>403 Forbidden</title></head><body>Forbidden</body></html>" },
    message:
      "e-Stat rejected the application ID (ESTAT_APP_ID). Check the value issued on your e-Stat My Page. " +
      "Get a free application ID at https://www.e-stat.go.jp/api/ (register, then My Page → アプリケーションID発行) " +
      "and start the server with ESTAT_APP_ID set to it.",
    attempts: 1,
  },
];

async function serve(fake: Fake, env: Record<string, string> = {}) {
  return startServer({
    ESTAT_API_URL: fake.url,
    ESTAT_APP_ID: fake.appId,
    ESTAT_TIMEOUT_MS: "1000",
    RATE_LIMIT_PER_MINUTE: "0",
    ...env,
  });
}

describe("e-Stat faults through MCP tool calls", () => {
  let fake: FakeEstat;
  let srv: Running;
  let client: Client;
  let baseline: unknown;
  before(async () => {
    fake = await new FakeEstat().listen();
    const clean = await serve(fake);
    const c = await connect(clean.base, "modern");
    baseline = (await c.callTool(SEARCH)).structuredContent;
    await c.close();
    await clean.close();
  });
  after(() => fake.close());
  // A fresh server per fault: each starts with a closed circuit and an empty cache.
  beforeEach(async () => {
    fake.reset();
    srv = await serve(fake);
    client = await connect(srv.base, "modern");
  });
  afterEach(async () => {
    await client.close();
    await srv.close();
  });

  for (const fault of FAULTS) {
    it(`answers ${fault.name} with a tool error saying what to do, and keeps serving`, async () => {
      fake.on("getStatsList", () => fault.reply);
      const r = await client.callTool(SEARCH);
      assert.equal(r.isError, true);
      assert.equal(text(r), fault.message);
      assert.equal(fake.callsTo("getStatsList").length, fault.attempts);

      await listsTools(client);
      fake.reset();
      const good = await client.callTool(SEARCH);
      assert.equal(good.isError, undefined, text(good));
      // Nothing lost: the same answer as from a server that never saw the fault.
      assert.deepEqual(good.structuredContent, baseline);
      assert.equal((good.structuredContent as { total: number }).total, 55);
      assert.equal((await fetch(`${srv.base}/healthz`)).status, 200);
    });
  }

  it("answers the same faults on the legacy era and on /execute", async () => {
    fake.on("getStatsList", () => ({ status: 500, body: "oops" }));
    const legacy = await connect(srv.base, "legacy");
    const r = await legacy.callTool(SEARCH);
    await legacy.close();
    assert.equal(r.isError, true);
    assert.equal(text(r), "e-Stat answered HTTP 500. Try again later.");
    const res = await fetch(`${srv.base}/execute`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tool_name: SEARCH.name, arguments: { ...SEARCH.arguments, limit: 7 } }),
    });
    assert.equal(res.status, 502);
    assert.deepEqual(await res.json(), { success: false, error: "e-Stat answered HTTP 500. Try again later." });
  });

  it("answers a slow call on every tool within the timeout, concurrently", async () => {
    await client.close();
    await srv.close();
    srv = await serve(fake, { ESTAT_RETRIES: "0" });
    client = await connect(srv.base, "modern");
    fake.on("*", () => ({ delayMs: 1500 }));
    const started = performance.now();
    const results = await Promise.all([
      client.callTool({ name: "search_stats", arguments: { query: "人口" } }),
      client.callTool({ name: "get_meta_info", arguments: { statsDataId: "0003445078" } }),
      client.callTool({ name: "get_stats_data", arguments: { statsDataId: "0000020202" } }),
      client.callTool({ name: "get_data_catalog", arguments: { query: "家計" } }),
    ]);
    const elapsed = performance.now() - started;
    for (const r of results) {
      assert.equal(r.isError, true);
      assert.match(text(r), /^e-Stat did not answer within 1 s\./);
    }
    assert.ok(elapsed < 1450, `all four answered before e-Stat would have: ${elapsed.toFixed(0)} ms`);
  });
});

describe("the tool deadline (TOOL_TIMEOUT_MS) over e-Stat retries", () => {
  let fake: FakeEstat;
  let srv: Running;
  before(async () => {
    fake = await new FakeEstat().listen();
    srv = await serve(fake, { TOOL_TIMEOUT_MS: "2000", ESTAT_RETRIES: "5" });
  });
  after(async () => {
    await srv.close();
    await fake.close();
  });

  it("ends a call whose retries would outlast the deadline, with what to do, on MCP and /execute", async () => {
    fake.on("getStatsList", () => ({ delayMs: 5000 }));
    const client = await connect(srv.base, "modern");
    let started = performance.now();
    const r = await client.callTool(SEARCH);
    const elapsed = performance.now() - started;
    await client.close();
    assert.equal(r.isError, true);
    assert.equal(text(r), "search_stats did not finish within 2 s. Narrow the request and try again.");
    assert.ok(elapsed >= 1900 && elapsed < 3000, `ended at the deadline: ${elapsed.toFixed(0)} ms`);
    started = performance.now();
    const res = await fetch(`${srv.base}/execute`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tool_name: SEARCH.name, arguments: { ...SEARCH.arguments, limit: 3 } }),
    });
    assert.equal(res.status, 504);
    assert.deepEqual(await res.json(), {
      success: false,
      error: "search_stats did not finish within 2 s. Narrow the request and try again.",
    });
    assert.ok(performance.now() - started < 3000);
  });
});

describe("e-Stat outages: circuit breaker and stale answers", () => {
  let fake: FakeEstat;
  let srv: Running;
  let client: Client;
  before(async () => {
    fake = await new FakeEstat().listen();
  });
  after(() => fake.close());
  afterEach(async () => {
    await client.close();
    await srv.close();
  });

  it("opens the circuit after repeated outages and answers fast with the paused message", async () => {
    srv = await serve(fake, { ESTAT_RETRIES: "0" });
    client = await connect(srv.base, "modern");
    fake.reset();
    fake.on("*", () => ({ status: 503, body: "<html>Service Unavailable</html>" }));
    for (let i = 0; i < 5; i++) {
      const r = await client.callTool({ name: "search_stats", arguments: { query: `停止 ${i}` } });
      assert.equal(text(r), "e-Stat answered HTTP 503. Try again later.");
    }
    assert.equal(fake.calls.length, 5);
    const started = performance.now();
    const r = await client.callTool({ name: "get_meta_info", arguments: { statsDataId: "0003445078" } });
    const elapsed = performance.now() - started;
    assert.equal(r.isError, true);
    assert.equal(
      text(r),
      "e-Stat is failing, so calls are paused for up to 30 s to let it recover. Try again in a minute.",
    );
    assert.equal(fake.calls.length, 5, "the paused call never reached e-Stat");
    assert.ok(elapsed < 100, `failed fast: ${elapsed.toFixed(0)} ms`);
    // The instance itself is healthy: readiness says e-Stat is failing but does not take it out of service.
    const ready = await fetch(`${srv.base}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { checks: { estat: string } }).checks.estat, "failing (circuit open)");
    await listsTools(client);
    const url = await client.callTool({ name: "get_table_url", arguments: { statsDataId: "0003445078" } });
    assert.equal(url.isError, undefined);
  });

  it("answers from the expired cache, marked stale: true, while e-Stat is down", async () => {
    srv = await serve(fake, { CACHE_TTL_SECONDS: "1", ESTAT_RETRIES: "0" });
    client = await connect(srv.base, "modern");
    fake.reset();
    const fresh = await client.callTool(SEARCH);
    assert.equal((fresh.structuredContent as { stale?: boolean }).stale, undefined);
    await new Promise((r) => setTimeout(r, 1100));
    fake.on("*", () => ({ reset: true }));
    const stale = await client.callTool(SEARCH);
    assert.equal(stale.isError, undefined, text(stale));
    const out = stale.structuredContent as { stale?: boolean; total: number };
    assert.equal(out.stale, true);
    assert.equal(out.total, 55);
    assert.match(text(stale), /Note: e-Stat is not answering; this is cached data \(stale: true\)\./);
    assert.equal(fake.callsTo("getStatsList").length, 2);
  });
});

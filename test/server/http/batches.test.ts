import assert from "node:assert/strict";
import { rpc, useServer } from "../../helpers/server.ts";

let n = 0;
// A fresh query each time, so no answer comes from the e-Stat cache.
const search = (id: unknown) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "search_stats", arguments: { query: `人口 ${++n}` } },
});
const tableUrl = (id: unknown) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "get_table_url", arguments: { statsDataId: "0003445078" } },
});
const v = (version: string) => ({ "mcp-protocol-version": version });

describe("JSON-RPC batches on /mcp (issue 9)", function () {
  this.timeout(15_000);
  const s = useServer({ perTest: true, env: { RATE_LIMIT_PER_MINUTE: "5" } });

  for (const version of ["2025-06-18", "2025-11-25"]) {
    it(`refuses a batch under ${version}, which has no batching, and calls nothing`, async () => {
      const r = await rpc(s.srv.base, [search(1), search(2)], v(version));
      assert.equal(r.status, 400);
      const body = JSON.parse(r.text);
      assert.equal(body.error.code, -32600);
      assert.match(body.error.message, new RegExp(`not part of MCP revision ${version}.*removed in 2025-06-18`));
      assert.equal(s.fake.calls.length, 0);
    });
  }

  it("answers a 2025-03-26 batch, counting every call against the rate limit", async () => {
    const r = await rpc(s.srv.base, [search(1), tableUrl(2), search(3)], v("2025-03-26"));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("ratelimit-remaining"), "2");
    assert.equal(s.fake.calls.length, 2);
    const one = await rpc(s.srv.base, { jsonrpc: "2.0", id: 9, method: "tools/list", params: {} }, v("2025-03-26"));
    assert.equal(one.headers.get("ratelimit-remaining"), "1");
  });

  it("refuses a batch with more calls than the budget left, and calls nothing", async () => {
    const r = await rpc(s.srv.base, [1, 2, 3, 4, 5, 6].map(search), v("2025-03-26"));
    assert.equal(r.status, 429);
    assert.equal(JSON.parse(r.text).error.code, -32029);
    assert.equal(s.fake.calls.length, 0);
  });

  it("takes a batch without MCP-Protocol-Version as 2025-03-26, as the spec says", async () => {
    const r = await rpc(s.srv.base, [tableUrl(1), tableUrl(2)]);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("ratelimit-remaining"), "3");
  });

  it("logs every tool a batch calls", async () => {
    await rpc(s.srv.base, [search(1), tableUrl(2)], v("2025-03-26"));
    const line = s.srv.logs.map((l) => JSON.parse(l)).find((l) => l.event === "request" && l.path === "/mcp");
    assert.equal(line.rpcMethod, "batch");
    assert.equal(line.batch, 2);
    assert.equal(line.tool, "search_stats,get_table_url");
  });

  it("refuses duplicate ids in a batch and runs none of its calls", async () => {
    s.fake.on("getStatsList", () => ({ delayMs: 500 }));
    const r = await rpc(s.srv.base, [search(1), search(1)], v("2025-03-26"));
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.text).error.message, /the id 1 appears more than once in the batch/);
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.equal(s.fake.calls.length, 0);
  });

  it("tells a number id from a string id with the same digits", async () => {
    const r = await rpc(s.srv.base, [tableUrl(1), tableUrl("1")], v("2025-03-26"));
    assert.equal(r.status, 200);
  });

  it("cancels every call of a batch when its client goes away", async () => {
    s.fake.on("getStatsList", () => ({ delayMs: 1500 }));
    const gone = new AbortController();
    const pending = fetch(`${s.srv.base}/mcp`, {
      method: "POST",
      signal: gone.signal,
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...v("2025-03-26") },
      body: JSON.stringify([search(1), search(2)]),
    }).then((r) => r.text()).catch(() => "client aborted");
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(s.fake.calls.length, 2);
    gone.abort();
    assert.equal(await pending, "client aborted");
    await new Promise((resolve) => setTimeout(resolve, 1600));
    assert.equal(s.fake.abandoned, 2, "both e-Stat calls were aborted, not left running");
  });
});

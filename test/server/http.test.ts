import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import { modernToolCall, readSse } from "../helpers/mcp-wire.ts";
import { connect, type Era, rawRequest, rpc, text, useServer } from "../helpers/server.ts";

describe("long tool calls (slow e-Stat)", () => {
  const s = useServer({ env: { STREAM_AFTER_MS: "200", SSE_KEEPALIVE_MS: "250" } });
  beforeEach(() => s.fake.reset());

  it("streams a 2026-07-28 e-Stat call without a progress token, with keep-alives and no log messages", async () => {
    s.fake.on("getStatsList", () => ({ delayMs: 1500 }));
    const res = await fetch(`${s.srv.base}/mcp`, modernToolCall("search_stats", { query: "人口" }));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    const frames = await readSse(res);
    const keepalives = frames.filter((f) => f.frame.startsWith(": keepalive"));
    const messages = frames.filter((f) => f.frame.includes("data: "));
    assert.ok(keepalives.length >= 3, `keep-alive comments while e-Stat was slow: ${keepalives.length}`);
    const gaps = frames.slice(1).map((f, i) => f.at - frames[i].at);
    assert.ok(Math.max(...gaps) < 1000, `no silence longer than the keep-alive interval allows: ${gaps}`);
    const last = JSON.parse(messages.at(-1)?.frame.split("data: ")[1] ?? "{}");
    assert.equal(last.id, 1);
    assert.equal(last.result.structuredContent.total, 55);
    // 2026-07-28: no notifications/message unless the request set a log level.
    assert.equal(messages.length, 1);
  });

  const call = (id: number, name: string, args: Record<string, unknown>, meta: Record<string, unknown> = {}) =>
    fetch(`${s.srv.base}/mcp`, modernToolCall(name, args, { id, meta }));

  it("answers a quick call with plain JSON, and turns a slow one into SSE after STREAM_AFTER_MS", async () => {
    const quick = await call(2, "search_stats", { query: "速い" }, { progressToken: "p1" });
    assert.match(quick.headers.get("content-type") ?? "", /application\/json/);
    assert.equal(((await quick.json()) as { result: { structuredContent: { total: number } } }).result.structuredContent.total, 55);
    const local = await call(3, "get_table_url", { statsDataId: "0003445078" });
    assert.match(local.headers.get("content-type") ?? "", /application\/json/);
    await local.text();
    s.fake.on("getStatsList", () => ({ delayMs: 1200 }));
    const t0 = performance.now();
    const slow = await call(4, "search_stats", { query: "遅い" }, { progressToken: "p2" });
    const headersAt = performance.now() - t0;
    assert.match(slow.headers.get("content-type") ?? "", /text\/event-stream/);
    const frames = await readSse(slow);
    const data = frames.filter((f) => f.frame.includes("data: ")).map((f) => JSON.parse(f.frame.split("data: ")[1]));
    assert.equal(data[0].method, "notifications/progress");
    assert.equal(data[0].params.progressToken, "p2");
    assert.ok(headersAt >= 150 && headersAt < 1000, `the stream began after STREAM_AFTER_MS, at ${headersAt} ms`);
    assert.equal(data.at(-1).id, 4);
    assert.ok(frames.some((f) => f.frame.startsWith(": keepalive")));
  });

  it("sends progress notifications when the client asked for them", async () => {
    s.fake.on("getMetaInfo", () => ({ delayMs: 800 }));
    const client = await connect(s.srv.base, "modern");
    const progress: unknown[] = [];
    const r = await client.callTool(
      { name: "get_meta_info", arguments: { statsDataId: "0003445078" } },
      { onprogress: (p) => progress.push(p) },
    );
    await client.close();
    assert.equal(r.isError, undefined, text(r));
    assert.ok(progress.length >= 1, "at least one progress notification");
    assert.match(JSON.stringify(progress[0]), /waiting for e-Stat/);
  });

  it("aborts the e-Stat call when the client goes away (MCP and REST)", async () => {
    s.fake.on("getStatsList", () => ({ delayMs: 1500 }));
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const viaMcp = (signal: AbortSignal) =>
      fetch(`${s.srv.base}/mcp`, { ...modernToolCall("search_stats", { query: "中断 mcp" }, { id: 9 }), signal }).then((r) =>
        r.text(),
      );
    const viaRest = (signal: AbortSignal) =>
      fetch(`${s.srv.base}/execute`, {
        method: "POST",
        signal,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ tool_name: "search_stats", arguments: { query: "中断 rest" } }),
      }).then((r) => r.text());
    for (const [i, send] of [viaMcp, viaRest].entries()) {
      const controller = new AbortController();
      const pending = send(controller.signal).catch(() => "client aborted");
      await sleep(300);
      assert.equal(s.fake.abandoned, i, "e-Stat is still working on it");
      controller.abort();
      assert.equal(await pending, "client aborted");
      await sleep(1600);
      assert.equal(s.fake.abandoned, i + 1, "the upstream request was dropped when the client left");
    }
  });

  for (const era of ["modern", "legacy"] as Era[]) {
    it(`delivers the result of a slow call through the SDK client (${era})`, async () => {
      s.fake.on("getStatsList", () => ({ delayMs: 1200 }));
      const client: Client = await connect(s.srv.base, era);
      const r = await client.callTool({ name: "search_stats", arguments: { query: `遅い ${era}` } });
      await client.close();
      assert.equal((r.structuredContent as { total: number }).total, 55);
    });
  }
});

describe("plain HTTP face (/tools, /execute, /healthz, /readyz)", () => {
  const s = useServer();

  for (const method of ["GET", "POST"]) {
    it(`${method} /tools lists the same tools as MCP with JSON Schemas`, async () => {
      const res = await fetch(`${s.srv.base}/tools`, { method });
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        success: boolean;
        tools: { name: string; inputSchema: { type: string; properties: object } }[];
      };
      assert.equal(body.success, true);
      const client = await connect(s.srv.base, "legacy");
      const { tools } = await client.listTools();
      await client.close();
      assert.deepEqual(
        body.tools.map((t) => t.name),
        tools.map((t) => t.name),
      );
      const search = body.tools.find((t) => t.name === "search_stats");
      assert.deepEqual(Object.keys(search?.inputSchema.properties ?? {}).sort(), [
        "collectArea",
        "lang",
        "limit",
        "query",
        "startPosition",
        "statsCode",
        "statsField",
        "surveyYears",
      ]);
    });
  }

  const execute = (body: unknown) =>
    fetch(`${s.srv.base}/execute`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("POST /execute runs a tool and returns its structured result", async () => {
    const res = await execute({ tool_name: "get_table_url", arguments: { statsDataId: "0003445078" } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      success: true,
      result: { statsDataId: "0003445078", url: "https://www.e-stat.go.jp/dbview?sid=0003445078" },
    });
  });

  it("POST /execute answers bad arguments with 400 and what was wrong", async () => {
    const res = await execute({ tool_name: "get_stats_data", arguments: { statsDataId: "abc" } });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { success: boolean; error: string };
    assert.equal(body.success, false);
    assert.match(body.error, /statsDataId is 10 digits/);
  });

  it("POST /execute answers an unknown tool with 404 and the list of tools", async () => {
    const res = await execute({ tool_name: "drop_tables", arguments: {} });
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { error: string }).error, /Tools: search_stats, get_meta_info/);
  });

  it("POST /execute maps e-Stat's not-found to 404 and an unresolvable name to 400", async () => {
    let res = await execute({ tool_name: "get_meta_info", arguments: { statsDataId: "9999999999" } });
    assert.equal(res.status, 404);
    res = await execute({
      tool_name: "get_stats_data",
      arguments: { statsDataId: "0003445078", filters: { area: "アトランティス" } },
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /No class "アトランティス" in area/);
  });

  it("POST /execute answers a malformed body with 400", async () => {
    const res = await execute("{");
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { success: boolean }).success, false);
  });

  it("GET /healthz is ok and /readyz reports configuration", async () => {
    assert.deepEqual(await (await fetch(`${s.srv.base}/healthz`)).json(), { status: "ok" });
    const ready = await fetch(`${s.srv.base}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: "ready", checks: { estat: "configured", lake: "ok" } });
  });

  it("answers /.well-known/oauth-protected-resource with a plain 404", async () => {
    const res = await fetch(`${s.srv.base}/.well-known/oauth-protected-resource`);
    assert.equal(res.status, 404);
  });

  it("sets security headers and echoes X-Request-Id", async () => {
    const res = await fetch(`${s.srv.base}/tools`, { headers: { "x-request-id": "trace-123" } });
    assert.equal(res.headers.get("x-request-id"), "trace-123");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("x-frame-options"), "DENY");
  });
});

describe("without ESTAT_APP_ID", () => {
  const s = useServer({ estat: false, env: { ESTAT_APP_ID: "", ESTAT_API_URL: "http://127.0.0.1:9/rest/3.0/app" } });

  it("starts, and every e-Stat tool explains how to get an appId", async () => {
    const client = await connect(s.srv.base, "modern");
    for (const [name, args] of [
      ["search_stats", { query: "人口" }],
      ["get_meta_info", { statsDataId: "0003445078" }],
      ["get_stats_data", { statsDataId: "0003445078" }],
      ["get_data_catalog", { query: "家計" }],
    ] as const) {
      const r = await client.callTool({ name, arguments: args });
      assert.equal(r.isError, true, name);
      assert.match(text(r), /ESTAT_APP_ID is not set.*https:\/\/www\.e-stat\.go\.jp\/api\//, name);
    }
    await client.close();
    const ready = await fetch(`${s.srv.base}/readyz`);
    assert.equal(ready.status, 503);
    assert.match(JSON.stringify(await ready.json()), /ESTAT_APP_ID is not set/);
  });
});

describe("DNS-rebinding protection (Host and Origin)", () => {
  const s = useServer({ estat: false, env: { ESTAT_APP_ID: "x".repeat(20), ALLOWED_ORIGINS: "https://app.example.jp" } });
  const init = { jsonrpc: "2.0", id: 1, method: "ping" };

  it("refuses a foreign Host with 403", async () => {
    const r = await rawRequest(s.srv.base, {
      headers: { host: "evil.example.com", "content-type": "application/json" },
      body: JSON.stringify(init),
    });
    assert.equal(r.status, 403);
    assert.match(JSON.parse(r.text).error.message, /Host not allowed/);
  });

  it("refuses a foreign Origin with 403", async () => {
    const r = await rpc(s.srv.base, init, { origin: "https://evil.example.com" });
    assert.equal(r.status, 403);
  });

  it("accepts an allowed Origin and answers CORS preflight for it only", async () => {
    const pre = await fetch(`${s.srv.base}/mcp`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.jp", "access-control-request-method": "POST" },
    });
    assert.equal(pre.headers.get("access-control-allow-origin"), "https://app.example.jp");
    const foreign = await fetch(`${s.srv.base}/mcp`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example.com", "access-control-request-method": "POST" },
    });
    assert.equal(foreign.headers.get("access-control-allow-origin"), null);
  });

  it("keeps health checks open to any Host (load balancers send the task's IP)", async () => {
    const res = await rawRequest(s.srv.base, {
      method: "GET",
      path: "/healthz",
      headers: { host: "10.0.1.23:8080" },
    });
    assert.equal(res.status, 200);
  });
});

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { FakeEstat } from "../helpers/fake-estat.ts";
import { type Running, rawRequest, startServer } from "../helpers/server.ts";

const RUNS = 150;
const MODERN = "2026-07-28";
const META = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientInfo": { name: "fuzz", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": {},
};
const METHODS = [
  "initialize",
  "notifications/initialized",
  "notifications/cancelled",
  "ping",
  "server/discover",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/read",
  "prompts/list",
  "prompts/get",
  "logging/setLevel",
  "completion/complete",
  "",
];

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

async function post(base: string, path: string, body: string | Uint8Array, headers: Record<string, string>) {
  const res = await fetch(`${base}${path}`, { method: "POST", headers, body: body as BodyInit });
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", text: await res.text() };
}

/** A JSON-RPC 2.0 response: a result or an error with an integer code and a message, never both. */
function assertRpcResponse(m: unknown, where: string) {
  assert.ok(m && typeof m === "object" && !Array.isArray(m), `${where}: not an object`);
  const msg = m as Record<string, unknown>;
  assert.equal(msg.jsonrpc, "2.0", where);
  if ("method" in msg) return; // a notification or request from the server on an SSE stream
  assert.ok("result" in msg !== "error" in msg, `${where}: exactly one of result and error`);
  if ("error" in msg) {
    const e = msg.error as { code: unknown; message: unknown };
    assert.ok(Number.isInteger(e.code), `${where}: error code ${e.code}`);
    assert.equal(typeof e.message, "string", where);
  }
}

/** Never a 5xx; JSON-RPC when JSON-RPC, SSE of JSON-RPC, a 202, or a 4xx with a JSON body. */
function assertWellFormed(a: Answer, where: string) {
  assert.ok(a.status < 500, `${where}: HTTP ${a.status} ${a.text.slice(0, 300)}`);
  if (a.status === 202) {
    assert.ok(a.text === "" || JSON.parse(a.text), where);
    return;
  }
  if (a.contentType.includes("text/event-stream")) {
    assert.equal(a.status, 200, where);
    const data = a.text
      .split("\n")
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).trim());
    assert.ok(data.length > 0, `${where}: an SSE answer with no message`);
    for (const d of data) assertRpcResponse(JSON.parse(d), where);
    return;
  }
  assert.match(a.contentType, /application\/json/, `${where}: ${a.status} ${a.contentType} ${a.text.slice(0, 200)}`);
  const body: unknown = JSON.parse(a.text);
  if (a.status === 200) {
    for (const m of Array.isArray(body) ? body : [body]) assertRpcResponse(m, where);
  } else if (body && typeof body === "object" && "jsonrpc" in body) {
    assertRpcResponse(body, where);
    assert.ok("error" in body, `${where}: a ${a.status} carries an error`);
  }
}

const PLAUSIBLE = ["0003445078", "人口", "東京都", "2020", 1, 100_000, -1, 0, true, "", null];
/** Values a model might send for each argument name, right or wrong. */
const GOOD: Record<string, unknown[]> = {
  statsDataId: ["0003445078", "0000020202", "0003425893", "9999999999"],
  query: ["人口", "男女別人口", "家計", "該当なし"],
  surveyYears: ["2020", "2015-2020", "202001"],
  statsField: ["02", "0201"],
  statsCode: ["00200521", "00200", "00200502"],
  collectArea: ["1", "2", "3"],
  limit: [1, 5, 20, 100, 100_000],
  startPosition: [1, 2, 41, 1000],
  maxClasses: [1, 50, 5000],
  lang: ["J", "E"],
  filters: [
    {},
    { area: "東京都" },
    { area: ["13000", "北海道"], cat01: "総数" },
    { area: "アトランティス" },
    { areaLevel: "2" },
    { timeFrom: "2015", timeTo: "2020" },
  ],
  dataType: ["CSV", "XLS", "DB"],
  datasetId: ["0003445078/all", "0000020202/all", "0003445078/x1"],
  columns: [["area", "value"], ["value"], ["nope"]],
  where: [{}, { area: "13000" }, { value: { gte: 100 } }],
  format: ["parquet", "csv", "json", "meta.json", "meta.csv"],
  formats: [["parquet"], ["csv", "json"], []],
  expiresInSeconds: [60, 3600, 604_800],
};
const printable = (max: number) => fc.string({ unit: "grapheme-ascii", maxLength: max });

describe("fuzzing /mcp and /execute (fast-check)", function () {
  this.timeout(120_000);
  let fake: FakeEstat;
  let srv: Running;
  let dir: string;
  let tools: { name: string; inputSchema: { properties?: Record<string, unknown> } }[];
  const statuses = new Map<number, number>();
  const send = async (path: string, body: string | Uint8Array, headers: Record<string, string>) => {
    const a = await post(srv.base, path, body, headers);
    statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    return a;
  };

  before(async () => {
    fake = await new FakeEstat().listen();
    dir = await mkdtemp(join(tmpdir(), "fuzz-lake-"));
    srv = await startServer({
      ESTAT_API_URL: fake.url,
      ESTAT_APP_ID: fake.appId,
      DATA_LAKE: `file://${dir}`,
      RATE_LIMIT_PER_MINUTE: "0",
      ESTAT_RETRIES: "0",
    });
    tools = ((await (await fetch(`${srv.base}/tools`)).json()) as { tools: typeof tools }).tools;
  });
  after(async () => {
    await srv.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  const headers = fc.record(
    {
      accept: fc.oneof(
        fc.constantFrom("application/json, text/event-stream", "application/json", "text/event-stream", "*/*"),
        printable(40),
      ),
      "content-type": fc.oneof(
        fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain"),
        printable(40),
      ),
      "mcp-protocol-version": fc.oneof(
        fc.constantFrom(MODERN, "2025-11-25", "2025-06-18", "2025-03-26", "1999-01-01"),
        printable(20),
      ),
      "mcp-method": fc.oneof(fc.constantFrom(...METHODS), printable(30)),
      "mcp-name": fc.oneof(fc.constantFrom("search_stats", "get_table_url", "nope"), printable(30)),
    },
    { requiredKeys: [] },
  );

  const rpcish = fc.record(
    {
      jsonrpc: fc.oneof(fc.constant("2.0"), fc.jsonValue({ maxDepth: 2 })),
      id: fc.oneof(fc.integer(), printable(10), fc.constant(null), fc.double(), fc.jsonValue({ maxDepth: 2 })),
      method: fc.oneof(fc.constantFrom(...METHODS), printable(30)),
      params: fc.oneof(
        fc.jsonValue({ maxDepth: 4 }),
        fc.record(
          {
            name: fc.oneof(fc.constantFrom("search_stats", "get_table_url", "get_meta_info"), printable(20)),
            arguments: fc.jsonValue({ maxDepth: 3 }),
            _meta: fc.oneof(fc.constant(META), fc.jsonValue({ maxDepth: 2 })),
            protocolVersion: fc.constantFrom(MODERN, "2025-06-18"),
            capabilities: fc.jsonValue({ maxDepth: 2 }),
            clientInfo: fc.jsonValue({ maxDepth: 2 }),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  );

  const body: fc.Arbitrary<string | Uint8Array> = fc.oneof(
    { arbitrary: rpcish.map((m) => JSON.stringify(m)), weight: 5 },
    { arbitrary: fc.array(rpcish, { maxLength: 4 }).map((ms) => JSON.stringify(ms)), weight: 1 },
    { arbitrary: fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v) ?? "null"), weight: 2 },
    { arbitrary: fc.string({ unit: "binary", maxLength: 200 }), weight: 2 },
    { arbitrary: fc.uint8Array({ maxLength: 200 }), weight: 1 },
    {
      // Huge strings, still within MAX_BODY_BYTES (1 MiB).
      arbitrary: fc
        .tuple(fc.integer({ min: 100_000, max: 900_000 }), fc.constantFrom(...METHODS))
        .map(([n, method]) => JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: { pad: "あ".repeat(n / 3) } })),
      weight: 1,
    },
  );

  it("answers random JSON-RPC-ish bodies with random headers: never a 5xx, always well-formed", async () => {
    await fc.assert(
      fc.asyncProperty(body, headers, async (b, h) => {
        assertWellFormed(await send("/mcp", b, h as Record<string, string>), `/mcp ${JSON.stringify(h)}`);
      }),
      { numRuns: RUNS },
    );
  });

  /** Arguments for one tool: its own property names with plausible or junk values, plus stray keys. */
  function argsFor(tool: (typeof tools)[number]) {
    const junk = fc.oneof(fc.jsonValue({ maxDepth: 3 }), printable(50), fc.string({ unit: "grapheme", maxLength: 30 }));
    const keys = Object.keys(tool.inputSchema.properties ?? {});
    const value = (k: string) =>
      fc.oneof({ arbitrary: fc.constantFrom(...(GOOD[k] ?? PLAUSIBLE)), weight: 8 }, { arbitrary: junk, weight: 1 });
    const own = Object.fromEntries(keys.map((k) => [k, value(k)]));
    // Mostly with the ids a tool requires, so calls get past validation and reach e-Stat and the lake.
    const required = keys.filter((k) => k === "statsDataId" || k === "datasetId");
    const complete = fc.record(own, { requiredKeys: required });
    return fc.oneof(
      { arbitrary: complete, weight: 6 },
      { arbitrary: fc.record(own, { requiredKeys: [] }), weight: 1 },
      {
        arbitrary: fc
          .tuple(complete, fc.dictionary(printable(10), junk, { maxKeys: 3 }))
          .map(([a, b]) => ({ ...b, ...a })),
        weight: 1,
      },
      { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
    );
  }

  it("answers random arguments for every tool, in both eras and on /execute: never a 5xx", async () => {
    const call = fc.constantFrom(...tools).chain((tool) => fc.tuple(fc.constant(tool.name), argsFor(tool)));
    await fc.assert(
      fc.asyncProperty(call, fc.boolean(), async ([name, args], modern) => {
        const params = { name, arguments: args, ...(modern ? { _meta: META } : {}) };
        const h: Record<string, string> = {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...(modern ? { "mcp-protocol-version": MODERN, "mcp-method": "tools/call", "mcp-name": name } : {}),
        };
        const where = `${name} ${JSON.stringify(args).slice(0, 200)}`;
        const a = await send("/mcp", JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/call", params }), h);
        assertWellFormed(a, `/mcp ${where}`);
        assert.equal(a.status, 200, `/mcp ${where}: ${a.text.slice(0, 300)}`);
        const e = await send("/execute", JSON.stringify({ tool_name: name, arguments: args }), {
          "content-type": "application/json",
        });
        const out = JSON.parse(e.text) as { success: boolean; error?: string };
        assert.ok(e.status < 500, `/execute ${where}: ${e.status} ${e.text.slice(0, 300)}`);
        assert.equal(out.success, e.status === 200, where);
        if (!out.success) assert.equal(typeof out.error, "string", where);
      }),
      { numRuns: RUNS },
    );
  });

  it("is still up and logged no crash", async () => {
    assert.equal((await fetch(`${srv.base}/healthz`)).status, 200);
    const crashes = srv.logs.filter((l) => /"level":"(error|fatal)"/.test(l));
    assert.deepEqual(crashes, []);
    assert.ok([...statuses.values()].reduce((a, b) => a + b, 0) >= RUNS * 3);
  });
});

// On a non-loopback bind without ALLOWED_HOSTS any Host is allowed, so a malformed one reached the MCP
// bridge, which failed building a URL from it: a 500 with nothing logged.
describe("fuzzing the Host header (fast-check)", function () {
  this.timeout(60_000);
  const KEY = "fuzz-host-key-0123456789";
  let srv: Running;
  before(async () => {
    srv = await startServer({ HOST: "0.0.0.0", MCP_API_KEYS: KEY, ESTAT_APP_ID: "fuzz-host-app-id-0000", RATE_LIMIT_PER_MINUTE: "0" });
  });
  after(() => srv.close());

  const ask = (host: string, path: string) =>
    rawRequest(srv.base, {
      path,
      method: path === "/tools" ? "GET" : "POST",
      headers: {
        host,
        authorization: `Bearer ${KEY}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body:
        path === "/mcp"
          ? JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} })
          : path === "/execute"
            ? JSON.stringify({ tool_name: "get_table_url", arguments: { statsDataId: "0003445078" } })
            : undefined,
    });

  for (const host of ["a b", "[::1", "a%zz", "localhost:99999", "a/b", "user@host"]) {
    it(`answers Host ${JSON.stringify(host)} with 400 on every route`, async () => {
      for (const path of ["/mcp", "/tools", "/execute"]) {
        const r = await ask(host, path);
        assert.equal(r.status, 400, `${path}: ${r.status} ${r.text.slice(0, 200)}`);
        assert.match(r.text, /the Host header must be host\[:port\]/);
      }
    });
  }

  it("still serves well-formed hosts: names, ports, IPv6 literals", async () => {
    for (const host of ["example.jp", "example.jp:8443", "127.0.0.1:80", "[::1]:8080", "xn--wgv71a.jp"]) {
      const r = await ask(host, "/mcp");
      assert.equal(r.status, 200, `${host}: ${r.text.slice(0, 200)}`);
    }
  });

  it("answers random Host headers with no 5xx", async () => {
    // What node:http will send at all (no control characters).
    const host = fc.oneof(printable(40), fc.string({ unit: "grapheme", maxLength: 20 }), fc.webAuthority());
    await fc.assert(
      fc.asyncProperty(host, fc.constantFrom("/mcp", "/tools", "/execute"), async (h, path) => {
        let r: { status: number; text: string };
        try {
          r = await ask(h, path);
        } catch (err) {
          if ((err as { code?: string }).code === "ERR_INVALID_CHAR") return;
          throw err;
        }
        assert.ok(r.status < 500, `Host ${JSON.stringify(h)} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
      }),
      { numRuns: RUNS },
    );
    assert.deepEqual(srv.logs.filter((l) => /"level":"(error|fatal)"/.test(l)), []);
  });
});

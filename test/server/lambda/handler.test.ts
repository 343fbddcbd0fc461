/**
 * The Lambda handler as it ships: dist/server/lambda.mjs (built by `npm run build`, which the suite's
 * root hook runs first), driven in-process by the real MCP SDK client through a fetch that turns each
 * request into an API Gateway REST (v1) or Function URL (v2) event, under a runtime double that frames
 * the response stream as the Lambda runtime does (test/helpers/lambda-runtime.ts).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { SyntheticTable } from "../../helpers/estat-table.ts";
import { FakeEstat } from "../../helpers/fake-estat.ts";
import { type Entry, type Invocation, installAwslambda, isStreamingHandler, lambdaFetch } from "../../helpers/lambda-runtime.ts";
import { modernToolCall, readSse } from "../../helpers/mcp-wire.ts";
import { exposures, text } from "../../helpers/server.ts";
import { KEY_MISSING } from "../../../server/http/auth/api-keys.ts";
import { loadBundledHandler } from "./bundle.ts";

const KEY = "lambda-key-0123456789abcdef";
const ORIGIN = "https://abc123.execute-api.ap-northeast-1.amazonaws.com";

const ENTRIES: Entry[] = ["apiGateway", "functionUrl"];

describe("the bundled Lambda handler (dist/server/lambda.mjs)", function () {
  this.timeout(60_000);
  const table = new SyntheticTable({ rows: 3_000, statsDataId: "0000003000", pageSize: 1_000 });
  let fake: FakeEstat;
  let handler: unknown;
  let dir: string;
  const invocations: Invocation[] = [];
  const responses: string[] = [];

  before(async () => {
    installAwslambda();
    fake = await new FakeEstat().listen();
    fake.addSynthetic(table);
    dir = mkdtempSync(join(tmpdir(), "lambda-lake-"));
    handler = await loadBundledHandler({
      ESTAT_API_URL: fake.url,
      ESTAT_APP_ID: fake.appId,
      MCP_API_KEYS: KEY,
      DATA_LAKE: `file://${dir}`,
      PUBLIC_BASE_URL: ORIGIN,
      MAX_BODY_BYTES: "4096",
      STREAM_AFTER_MS: "200",
      SSE_KEEPALIVE_MS: "250",
    });
    exposures.push({ secrets: [fake.appId, KEY], logs: [], responses });
  });
  after(async () => {
    // Every body the handler streamed, for the suite-wide secrets check.
    for (const i of invocations) responses.push(Buffer.concat(i.raw).toString("utf8"));
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => fake.reset());

  const fetchVia = (entry: Entry) => lambdaFetch(handler, entry, { invocations });
  const withKey = { "x-api-key": KEY };

  async function connect(entry: Entry, era: "modern" | "legacy") {
    const client = new Client({ name: "lambda-test", version: "1" }, era === "modern" ? { versionNegotiation: { mode: "auto" } } : {});
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${ORIGIN}/mcp`), { fetch: fetchVia(entry), requestInit: { headers: withKey } }),
    );
    return client;
  }

  it("exports a response-streaming handler (nodejs24.x refuses a callback handler)", () => {
    assert.equal(isStreamingHandler(handler), true);
  });

  for (const entry of ENTRIES) {
    for (const era of ["modern", "legacy"] as const) {
      it(`serves tools/list and a tool call to the SDK client (${entry}, ${era === "modern" ? "2026-07-28" : "2025"} era)`, async () => {
        const client = await connect(entry, era);
        const tools = await client.listTools();
        assert.ok(tools.tools.some((t) => t.name === "search_stats"));
        assert.equal(tools.tools.length, 9);
        // A query of its own: an answer e-Stat already gave would come from the cache.
        const r = await client.callTool({ name: "search_stats", arguments: { query: `人口 ${entry} ${era}` } });
        assert.equal(r.isError, undefined, text(r));
        assert.equal((r.structuredContent as { total: number }).total, 55);
        assert.equal(fake.callsTo("getStatsList")[0]?.params.appId, fake.appId);
        await client.close();
      });
    }

    it(`streams keep-alives and progress during a slow e-Stat call, as they happen (${entry})`, async () => {
      fake.on("getStatsList", () => ({ delayMs: 1500 }));
      const t0 = performance.now();
      const res = await fetchVia(entry)(
        `${ORIGIN}/mcp`,
        modernToolCall("search_stats", { query: `遅い ${entry}` }, { id: 7, meta: { progressToken: "p7" }, headers: withKey }),
      );
      const headersAt = performance.now() - t0;
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
      assert.ok(headersAt < 1000, `the stream began before e-Stat answered, at ${Math.round(headersAt)} ms`);
      const frames = await readSse(res);
      const keepalives = frames.filter((f) => f.frame.startsWith(": keepalive"));
      assert.ok(keepalives.length >= 3, `keep-alive comments while e-Stat was slow: ${keepalives.length}`);
      assert.ok(keepalives[0].at < 1000, `the first keep-alive reached the client at ${Math.round(keepalives[0].at)} ms`);
      const data = frames.filter((f) => f.frame.includes("data: ")).map((f) => JSON.parse(f.frame.split("data: ")[1]));
      assert.equal(data[0].method, "notifications/progress");
      assert.equal(data[0].params.progressToken, "p7");
      assert.equal(data.at(-1).id, 7);
      assert.equal(data.at(-1).result.structuredContent.total, 55);
    });

    it(`frames the response as the runtime does: JSON prelude, 8 NUL bytes, then the body (${entry})`, async () => {
      const seen: Invocation[] = [];
      const res = await lambdaFetch(handler, entry, { invocations: seen })(`${ORIGIN}/healthz`);
      assert.equal(res.status, 200);
      await res.text();
      const raw = Buffer.concat(seen[0].raw);
      const nul = raw.indexOf(Buffer.alloc(8));
      const prelude = JSON.parse(raw.subarray(0, nul).toString("utf8"));
      assert.equal(prelude.statusCode, 200);
      assert.match(prelude.headers["content-type"], /application\/json/);
      assert.equal(seen[0].contentType, "application/vnd.awslambda.http-integration-response");
      invocations.push(...seen);
    });

    it(`refuses a call without a key with 403 and what to send (${entry})`, async () => {
      const res = await fetchVia(entry)(`${ORIGIN}/mcp`, modernToolCall("search_stats", { query: "x" }));
      assert.equal(res.status, 403);
      assert.equal(res.headers.get("www-authenticate"), null);
      assert.deepEqual(await res.json(), { jsonrpc: "2.0", error: { code: -32001, message: KEY_MISSING }, id: null });
    });

    it(`answers a body over MAX_BODY_BYTES with 413 and GET /mcp with 405 (${entry})`, async () => {
      const big = modernToolCall("search_stats", { query: "x".repeat(5000) }, { headers: withKey });
      const res = await fetchVia(entry)(`${ORIGIN}/mcp`, big);
      assert.equal(res.status, 413);
      assert.deepEqual(await res.json(), {
        jsonrpc: "2.0",
        error: { code: -32000, message: "Request body too large: the limit is 4096 bytes." },
        id: null,
      });
      const get = await fetchVia(entry)(`${ORIGIN}/mcp`, { method: "GET", headers: withKey });
      assert.equal(get.status, 405);
      assert.equal(get.headers.get("allow"), "POST");
      await get.text();
    });
  }

  it("saves a table and serves its Parquet download byte for byte through both entries", async () => {
    const client = await connect("apiGateway", "modern");
    const saved = await client.callTool({ name: "save_dataset", arguments: { statsDataId: table.statsDataId } });
    assert.equal(saved.isError, undefined, text(saved));
    const out = saved.structuredContent as { datasetId: string; files: { name: string; bytes: number }[] };
    const link = await client.callTool({ name: "get_download_url", arguments: { datasetId: out.datasetId } });
    await client.close();
    const url = (link.structuredContent as { url: string }).url;
    assert.ok(url.startsWith(`${ORIGIN}/datasets/`), url);
    const parquet = out.files.find((f) => f.name === "data.parquet");
    assert.ok(parquet);
    // The result names no server path (issue 9): find the stored file in the lake folder itself.
    const stored = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter(
      (f) => f.endsWith("/data.parquet") && !f.includes(".staging"),
    );
    assert.equal(stored.length, 1, stored.join(", "));
    const onDisk = readFileSync(join(dir, stored[0]));
    for (const entry of ENTRIES) {
      const res = await fetchVia(entry)(url, { headers: withKey });
      assert.equal(res.status, 200);
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.equal(bytes.length, parquet.bytes);
      assert.ok(bytes.equals(onDisk), `${entry}: the download is the stored file`);
      assert.equal(bytes.subarray(0, 4).toString("latin1"), "PAR1");
    }
  });
});

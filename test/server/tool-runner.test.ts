// One tool runner (server/tools/run.ts) for /mcp and POST /execute: the same failure gives the same
// words on both faces. Each kind is provoked for real (the fake e-Stat, a lake nobody listens for)
// and asked over both faces of a listening server.
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EstatClient } from "../../server/estat/client.ts";
import { EstatService } from "../../server/estat/service.ts";
import { lazyLake } from "../../server/lake/lazy.ts";
import { createTools } from "../../server/tools/index.ts";
import { executeBody, mcpToolResult, runTool } from "../../server/tools/run.ts";
import { FakeEstat } from "../helpers/fake-estat.ts";
import { connect, type Era, type Running, text, useServer } from "../helpers/server.ts";

async function overMcp(srv: Running, era: Era, name: string, args: Record<string, unknown>) {
  const client = await connect(srv.base, era);
  const r = await client.callTool({ name, arguments: args });
  await client.close();
  assert.equal(r.isError, true, `an error over /mcp (${era}): ${text(r)}`);
  return text(r);
}

async function bothFaces(srv: Running, name: string, args: Record<string, unknown>) {
  const mcp = await overMcp(srv, "modern", name, args);
  const res = await fetch(`${srv.base}/execute`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tool_name: name, arguments: args }),
  });
  const body = (await res.json()) as { success: boolean; error: string };
  assert.equal(body.success, false);
  return { mcp, execute: body.error, status: res.status };
}

/** bothFaces, with /mcp asked in both protocol eras (2025-11-25 and 2026-07-28). */
async function everyFace(srv: Running, name: string, args: Record<string, unknown>) {
  const r = await bothFaces(srv, name, args);
  return { ...r, legacy: await overMcp(srv, "legacy", name, args) };
}

describe("one tool runner: /mcp and /execute give the same words for the same failure", () => {
  const s = useServer({
    env: { ESTAT_TIMEOUT_MS: "4000", ESTAT_RETRIES: "0", RATE_LIMIT_PER_MINUTE: "0", TOOL_TIMEOUT_MS: "1000" },
  });
  afterEach(() => s.fake.reset());

  it("an unknown table (404)", async () => {
    const r = await bothFaces(s.srv, "get_meta_info", { statsDataId: "0000000001" });
    assert.match(r.mcp, /^e-Stat has no such data \(status 300\)\./);
    assert.equal(r.execute, r.mcp);
    assert.equal(r.status, 404);
  });

  it("bad input: a filter on a dimension the table does not have (400)", async () => {
    const r = await bothFaces(s.srv, "get_stats_data", { statsDataId: "0003445078", filters: { nosuch: "x" } });
    assert.match(r.mcp, /nosuch/);
    assert.equal(r.execute, r.mcp);
    assert.equal(r.status, 400);
  });

  it("e-Stat down (503 upstream)", async () => {
    s.fake.on("getStatsList", () => ({ status: 503, body: "<html>Service Unavailable</html>" }));
    const r = await bothFaces(s.srv, "search_stats", { query: "停止中" });
    assert.equal(r.mcp, "e-Stat answered HTTP 503. Try again later.");
    assert.equal(r.execute, r.mcp);
  });

  // Regression: /mcp answered the SDK's "Input validation error: Invalid arguments for tool X: path: message"
  // and /execute "Invalid arguments for X: ✖ message → at path": two texts for one mistake.
  describe("arguments the tool's inputSchema refuses (400), in both eras and on /execute", () => {
    /** Every face (/mcp in each era, /execute) answers `words`, /execute with 400. */
    async function refused(name: string, args: Record<string, unknown>, words: string) {
      const r = await everyFace(s.srv, name, args);
      assert.equal(r.mcp, words);
      assert.equal(r.legacy, words);
      assert.equal(r.execute, words);
      assert.equal(r.status, 400);
    }

    it("a missing required argument: named, with what it takes", async () => {
      const logged = () => s.srv.logs.filter((l) => /"event":"tool_error","tool":"get_meta_info","kind":"ToolArgumentsError"/.test(l));
      const before = logged().length;
      await refused(
        "get_meta_info",
        {},
        "Invalid arguments for get_meta_info:\n" +
          '- statsDataId is required: 10-digit table id from search_stats, e.g. "0003445078"\n' +
          "Fix the arguments and call get_meta_info again (tools/list gives its inputSchema).",
      );
      // Logged once per call by the runner, as a warning (a caller's mistake, not a crash), on every face.
      assert.deepEqual(logged().slice(before).map((l) => JSON.parse(l).level), ["warn", "warn", "warn"]);
    });

    it("a wrong type: the argument and the type it takes", async () => {
      await refused(
        "get_stats_data",
        { statsDataId: "0003445078", limit: "ten" },
        "Invalid arguments for get_stats_data:\n- limit: expected number, received string\n" +
          "Fix the arguments and call get_stats_data again (tools/list gives its inputSchema).",
      );
    });

    it("a value outside an enum: the valid values", async () => {
      await refused(
        "get_download_url",
        { datasetId: "0003445078/all", format: "xlsx" },
        'Invalid arguments for get_download_url:\n- format: expected one of "parquet"|"csv"|"json"|"meta.json"|"meta.csv"\n' +
          "Fix the arguments and call get_download_url again (tools/list gives its inputSchema).",
      );
    });

    // Regression: zod dropped keys the schema does not name, so a dimension given beside statsDataId instead
    // of inside filters answered for every area, and search_stats' searchWord (its argument is query)
    // searched for nothing; neither said so.
    it("an argument the tool does not take: refused, naming those it takes (and where a dimension goes)", async () => {
      await refused(
        "get_stats_data",
        { statsDataId: "0003445078", area: "東京都" },
        "Invalid arguments for get_stats_data:\n" +
          '- area: not an argument of get_stats_data (get_stats_data takes statsDataId, filters, limit, startPosition; dimension filters go inside filters, e.g. filters {"area": …})\n' +
          "Fix the arguments and call get_stats_data again (tools/list gives its inputSchema).",
      );
      const r = await everyFace(s.srv, "search_stats", { searchWord: "人口" });
      assert.match(r.mcp, /^Invalid arguments for search_stats:\n- searchWord: not an argument of search_stats \(search_stats takes query, /);
      assert.equal(r.legacy, r.mcp);
      assert.equal(r.execute, r.mcp);
    });

    it("a bad format and a number out of range at once: every problem, each with the format or bound", async () => {
      await refused(
        "get_stats_data",
        { statsDataId: "abc", limit: 0 },
        "Invalid arguments for get_stats_data:\n" +
          "- statsDataId: a statsDataId is 10 digits, e.g. 0003445078; find ids with search_stats\n" +
          "- limit: expected number to be >=1\n" +
          "Fix the arguments and call get_stats_data again (tools/list gives its inputSchema).",
      );
    });
  });

  it("tools/list still lists every inputSchema exactly, in both eras: the SDK is only spared the check", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tool-runner-list-"));
    const estat = new EstatService(
      new EstatClient({ baseUrl: s.fake.url, appId: s.fake.appId, timeoutMs: 1000, maxConcurrency: 1, retries: 0, retryBaseMs: 5, cacheMaxBytes: 1024, cacheTtlMs: 1 }),
    );
    const tools = createTools({ estat, lake: lazyLake(`file://${dir}`, {}) });
    // What the SDK lists for a zod schema it is given as is (standardSchemaToJsonSchema, draft 2020-12).
    const expected = tools.map((t) => [t.name, t.inputSchema["~standard"].jsonSchema.input({ target: "draft-2020-12" })]);
    for (const era of ["modern", "legacy"] as const) {
      const client = await connect(s.srv.base, era);
      const { tools: listed } = await client.listTools();
      await client.close();
      assert.deepEqual(
        listed.map((t) => [t.name, t.inputSchema]),
        expected,
        era,
      );
    }
  });

  it("the tool deadline (504)", async () => {
    s.fake.on("getStatsList", () => ({ delayMs: 3000 }));
    const r = await bothFaces(s.srv, "search_stats", { query: "遅い" });
    assert.equal(r.mcp, "search_stats did not finish within 1 s. Narrow the request and try again.");
    assert.equal(r.execute, r.mcp);
    assert.equal(r.status, 504);
  });
});

describe("one tool runner: the lake unreachable, on both faces", () => {
  // An S3 lake whose endpoint nobody listens on: every call is refused (ECONNREFUSED).
  const s = useServer({
    estat: false,
    env: {
      ESTAT_APP_ID: "tool-runner-app-id-00",
      DATA_LAKE: "s3://lake/p",
      S3_ENDPOINT: "http://127.0.0.1:9",
      S3_ACCESS_KEY_ID: "tool-runner-key",
      S3_SECRET_ACCESS_KEY: "tool-runner-secret-0000",
      AWS_REGION: "us-east-1",
    },
  });

  it("says the same words about the lake (503)", async () => {
    const r = await bothFaces(s.srv, "list_datasets", {});
    assert.match(r.mcp, /^The data lake at s3:\/\/lake\/p is unreachable \(ECONNREFUSED\)/);
    assert.equal(r.execute, r.mcp);
    assert.equal(r.status, 503);
  });
});

describe("one tool runner: a cancelled call", () => {
  // Once the caller has gone neither face can send a body, so this runs the real tool through runTool
  // as each face calls it (the /mcp options and /execute's shorter deadline with its hint) and
  // compares what each face's body would say.
  it("gives the same words with either face's options", async () => {
    const fake = await new FakeEstat().listen();
    fake.on("getStatsList", () => ({ delayMs: 2000 }));
    const estat = new EstatService(
      new EstatClient({
        baseUrl: fake.url,
        appId: fake.appId,
        timeoutMs: 4000,
        maxConcurrency: 4,
        retries: 0,
        retryBaseMs: 5,
        cacheMaxBytes: 1024 * 1024,
        cacheTtlMs: 60_000,
      }),
    );
    const dir = await mkdtemp(join(tmpdir(), "tool-runner-lake-"));
    const tool = createTools({ estat, lake: lazyLake(`file://${dir}`, {}) }).find((t) => t.name === "search_stats");
    assert.ok(tool);
    const cancelled = async (opts: { deadlineMs: number; timeoutHint?: string }) => {
      const gone = new AbortController();
      setTimeout(() => gone.abort(), 100);
      return runTool(tool, { query: "取消" }, { ...opts, signal: gone.signal, secrets: [fake.appId] });
    };
    const viaMcp = mcpToolResult(await cancelled({ deadlineMs: 5000 }));
    const viaExecute = executeBody(
      await cancelled({ deadlineMs: 3000, timeoutHint: "POST /execute answers within 3 s on this server." }),
    );
    await fake.close();
    assert.equal(viaMcp.isError, true);
    const words = viaMcp.content[0].text;
    assert.equal(words, "The request was cancelled before e-Stat answered.");
    assert.deepEqual(viaExecute, { status: 499, body: { success: false, error: words } });
  });
});

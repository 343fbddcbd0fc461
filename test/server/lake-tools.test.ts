import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { SyntheticTable } from "../helpers/estat-table.ts";
import { S3_CREDENTIALS, startS3, type TestS3 } from "../helpers/s3.ts";
import { text, useServer } from "../helpers/server.ts";

const KEY = "test-key-0123456789abcdef";
const auth = { authorization: `Bearer ${KEY}` };

type Saved = { datasetId: string; rows: number; fromLake: boolean; files: { format: string; name: string; uri: string; bytes: number }[] };

describe("data lake tools over MCP (filesystem lake, 250,000-row table)", function () {
  this.timeout(120_000);
  const table = new SyntheticTable({ rows: 250_000, statsDataId: "0000250000", pageSize: 100_000 });
  const s = useServer({
    synthetic: [table],
    lakeDir: "lake-tools-",
    env: { MCP_API_KEYS: KEY },
    client: { era: "modern", headers: auth },
  });

  it("a failure on page 2 leaves no dataset behind", async () => {
    s.fake.on("getStatsData", (p) => (p.get("startPosition") === "100001" ? { status: 500, body: "<html>oops</html>" } : undefined));
    const r = await s.client.callTool({ name: "save_dataset", arguments: { statsDataId: table.statsDataId } });
    s.fake.reset();
    assert.equal(r.isError, true);
    assert.match(text(r), /e-Stat answered HTTP 500/);
    const list = await s.client.callTool({ name: "list_datasets", arguments: {} });
    assert.deepEqual(list.structuredContent, { datasets: [] });
  });

  it("save_dataset follows NEXT_KEY through every page with progress, into Parquet", async () => {
    const progress: { progress: number; total?: number }[] = [];
    const r = await s.client.callTool(
      { name: "save_dataset", arguments: { statsDataId: table.statsDataId, formats: ["parquet", "csv"] } },
      { onprogress: (p) => progress.push(p), timeout: 110_000 },
    );
    assert.equal(r.isError, undefined, text(r));
    const out = r.structuredContent as Saved;
    assert.equal(out.datasetId, `${table.statsDataId}/all`);
    assert.equal(out.rows, 250_000);
    assert.equal(out.fromLake, false);
    assert.deepEqual(
      out.files.filter((f) => f.name.startsWith("data.")).map((f) => f.format).sort(),
      ["csv", "parquet"],
    );
    assert.deepEqual(
      s.fake.callsTo("getStatsData").map((c) => c.params.startPosition ?? "1"),
      ["1", "100001", "200001"],
    );
    const perPage = progress.filter((p) => p.total === 250_000).map((p) => p.progress);
    assert.deepEqual(perPage, [100_000, 200_000, 250_000]);
  });

  it("query_dataset reads values that match the source, symbols as nulls", async () => {
    const where = { area: table.row(0).area as string, cat01: table.row(0).cat01 as string };
    const r = await s.client.callTool({
      name: "query_dataset",
      arguments: { datasetId: `${table.statsDataId}/all`, where, columns: ["area", "cat01", "time", "value", "raw"], limit: 1000 },
    });
    assert.equal(r.isError, undefined, text(r));
    const rows = (r.structuredContent as { rows: Record<string, unknown>[] }).rows;
    const expected = [];
    for (let i = 0; i < 250_000 && expected.length < 1000; i++) {
      const row = table.row(i);
      if (row.area === where.area && row.cat01 === where.cat01) {
        expected.push({ area: row.area, cat01: row.cat01, time: row.time, value: row.value, raw: row.raw });
      }
    }
    assert.ok(expected.length > 10);
    assert.deepEqual(rows, expected);
  });

  it("save_dataset again is served from the lake without calling e-Stat", async () => {
    s.fake.reset();
    const r = await s.client.callTool({ name: "save_dataset", arguments: { statsDataId: table.statsDataId } });
    assert.equal((r.structuredContent as Saved).fromLake, true);
    assert.equal(s.fake.calls.length, 0);
  });

  it("get_stats_data answers a stored table from the lake, with no upstream call", async () => {
    s.fake.reset();
    const r = await s.client.callTool({
      name: "get_stats_data",
      arguments: { statsDataId: table.statsDataId, filters: { area: "東京都" }, limit: 5, startPosition: 3 },
    });
    assert.equal(r.isError, undefined, text(r));
    const out = r.structuredContent as { source: string; total: number; nextPosition: number; rows: Record<string, unknown>[] };
    assert.equal(s.fake.calls.length, 0);
    assert.equal(out.source, "lake");
    const tokyo: Record<string, unknown>[] = [];
    for (let i = 0; i < 250_000; i++) if (table.row(i).area === "13000") tokyo.push(table.row(i));
    assert.equal(out.total, tokyo.length);
    assert.deepEqual(out.rows, tokyo.slice(2, 7));
    assert.equal(out.nextPosition, 8);
  });

  it("get_download_url gives a signed link on this server, behind the API key", async () => {
    const r = await s.client.callTool({ name: "get_download_url", arguments: { datasetId: `${table.statsDataId}/all`, format: "csv" } });
    const { url } = r.structuredContent as { url: string };
    assert.ok(url.startsWith(`${s.srv.base}/datasets/${table.statsDataId}/all/`), url);
    assert.equal((await fetch(url)).status, 403);
    const res = await fetch(url, { headers: auth });
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    const list = await s.client.callTool({ name: "list_datasets", arguments: { statsDataId: table.statsDataId } });
    assert.deepEqual((list.structuredContent as { datasets: { formats: string[] }[] }).datasets[0].formats.sort(), ["csv", "parquet"]);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], "the download is the file as stored, BOM first");
    const header = bytes.subarray(3, 200).toString("utf8").split("\n")[0];
    assert.match(header, /^"?tab"?,"?tabName"?,"?cat01"?/);
    const tampered = await fetch(url.replace(/sig=[^&]+/, "sig=AAAA"), { headers: auth });
    assert.equal(tampered.status, 403);
    assert.ok(createHash("sha256").update(bytes).digest("hex").length === 64);
  });
});

describe("data lake tools over MCP (S3-compatible lake)", function () {
  this.timeout(60_000);
  const table = new SyntheticTable({ rows: 30_000, statsDataId: "0000030000", pageSize: 10_000 });
  let s3: TestS3;
  before(async () => {
    s3 = await startS3("estat-lake");
  });
  const s = useServer({
    synthetic: [table],
    env: () => ({
      DATA_LAKE: "s3://estat-lake/lake",
      S3_ENDPOINT: s3.endpoint,
      AWS_REGION: "us-east-1",
      S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    }),
    client: { era: "legacy" },
  });
  after(async () => {
    await s3.stop().catch(() => {});
  });

  it("saves, queries and presigns a download that really downloads", async () => {
    const r = await s.client.callTool({ name: "save_dataset", arguments: { statsDataId: table.statsDataId } });
    assert.equal(r.isError, undefined, text(r));
    const saved = r.structuredContent as Saved;
    assert.equal(saved.rows, 30_000);
    assert.ok(saved.files.every((f) => f.uri.startsWith("s3://estat-lake/lake/")));
    const q = await s.client.callTool({
      name: "query_dataset",
      arguments: { datasetId: saved.datasetId, groupBy: ["cat01"], aggregate: { count: "*" }, orderBy: [{ column: "cat01" }] },
    });
    const counts = (q.structuredContent as { rows: { cat01: string; count: number }[] }).rows;
    const expected = new Map<string, number>();
    for (let i = 0; i < 30_000; i++) {
      const c = table.row(i).cat01 as string;
      expected.set(c, (expected.get(c) ?? 0) + 1);
    }
    assert.deepEqual(
      counts.map((c) => [c.cat01, c.count]),
      [...expected.entries()].sort(),
    );
    const link = await s.client.callTool({ name: "get_download_url", arguments: { datasetId: saved.datasetId } });
    const url = (link.structuredContent as { url: string }).url;
    assert.match(url, /X-Amz-Signature=/);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    const parquet = saved.files.find((f) => f.name === "data.parquet");
    assert.equal((await res.arrayBuffer()).byteLength, parquet?.bytes);
  });

  it("when S3 stops, lake tools fail clearly and the rest keeps working", async () => {
    await s3.stop();
    const r = await s.client.callTool({ name: "list_datasets", arguments: {} });
    assert.equal(r.isError, true);
    assert.match(text(r), /S3|store|lake/i);
    const data = await s.client.callTool({ name: "get_stats_data", arguments: { statsDataId: table.statsDataId, limit: 3 } });
    assert.equal(data.isError, undefined, text(data));
    assert.equal((data.structuredContent as { source: string }).source, "estat");
    const ready = await fetch(`${s.srv.base}/readyz`);
    assert.equal(ready.status, 503);
    const { tools } = await s.client.listTools();
    assert.equal(tools.length, 9);
  });
});

/**
 * What the model reads (issue 10): each tool's text must be enough on its own, for a client that shows
 * the model the text and never structuredContent. Asserted for what a model needs, not for layout.
 */
import assert from "node:assert/strict";
import { SyntheticTable } from "../helpers/estat-table.ts";
import { type FakeTable, recordedTables } from "../helpers/fake-estat.ts";
import { connect, type Era, text, useServer } from "../helpers/server.ts";

/** Rows of a markdown table in a text (header and rule excluded). */
const tableRows = (t: string) => t.split("\n").filter((l) => l.startsWith("| ")).slice(2);

/** 0003445078 with two municipalities called 府中市 (Tokyo 13206, Hiroshima 34208) beside 東京都. */
function fuchuTable(): FakeTable {
  const base = structuredClone(recordedTables().get("0003445078") as FakeTable);
  base.tableInf = { ...base.tableInf, "@id": "0000013206" };
  const area = base.classObjs.find((o) => o["@id"] === "area");
  if (!area) throw new Error("the recorded table has no area dimension");
  area.CLASS = [
    { "@code": "13000", "@name": "東京都", "@level": "2", "@parentCode": "00000" },
    { "@code": "13206", "@name": "府中市", "@level": "3", "@parentCode": "13000" },
    { "@code": "34000", "@name": "広島県", "@level": "2", "@parentCode": "00000" },
    { "@code": "34208", "@name": "府中市", "@level": "3", "@parentCode": "34000" },
  ];
  const value = (code: string, n: number) => ({
    "@tab": "2020_01",
    "@cat01": "0",
    "@area": code,
    "@time": "2020000000",
    "@unit": "人",
    $: String(n),
  });
  base.values = [value("13000", 14047594), value("13206", 262790), value("34000", 2799702), value("34208", 37655)];
  return base;
}

describe("what the model reads: tool texts over MCP", function () {
  this.timeout(60_000);
  const synthetic = new SyntheticTable({ rows: 3_000, statsDataId: "0000003000", pageSize: 1_000 });
  const tables = recordedTables();
  tables.set("0000013206", fuchuTable());
  const s = useServer({ estat: { tables }, synthetic: [synthetic], lakeDir: "tool-texts-", client: { era: "modern" } });

  describe("get_meta_info", () => {
    it("lists as many classes as maxClasses asks for, with units, and says how to get the rest", async () => {
      const r = await s.client.callTool({ name: "get_meta_info", arguments: { statsDataId: "0000020202", maxClasses: 60 } });
      assert.equal(r.isError, undefined, text(r));
      const out = r.structuredContent as { dimensions: { id: string; classes: { code: string; name: string }[] }[] };
      const area = out.dimensions.find((d) => d.id === "area");
      assert.equal(area?.classes.length, 60);
      const line = text(r).split("\n").find((l) => l.startsWith("- area ")) ?? "";
      // Regression: the text stopped at 8 classes per dimension whatever maxClasses said.
      for (const c of area?.classes ?? []) assert.ok(line.includes(`${c.code} ${c.name}`), `${c.code} is listed`);
      assert.match(line, /maxClasses=1913/);
      const cat01 = text(r).split("\n").find((l) => l.startsWith("- cat01 ")) ?? "";
      assert.match(cat01, /B1101 B1101_総面積（北方地域及び竹島を除く） \[ｈａ\]/);
      assert.doesNotMatch(cat01, /maxClasses=/, "a dimension listed whole needs no hint");
    });
  });

  describe("get_stats_data", () => {
    it("answers an unknown name with the exact get_meta_info call that lists every class", async () => {
      const r = await s.client.callTool({
        name: "get_stats_data",
        arguments: { statsDataId: "0000020202", filters: { area: "存在しない市" } },
      });
      assert.equal(r.isError, true);
      // Regression: the error said get_meta_info "lists them all" while its text stopped at 8 classes.
      assert.match(text(r), /get_meta_info with maxClasses=1913 lists them all/);
      const meta = await s.client.callTool({ name: "get_meta_info", arguments: { statsDataId: "0000020202", maxClasses: 1913 } });
      const area = text(meta).split("\n").find((l) => l.startsWith("- area ")) ?? "";
      assert.equal(area.split(", ").length, 1913);
      assert.doesNotMatch(area, /more not shown/);
    });

    it("shows every row it returns (past 20) and says how to page with startPosition", async () => {
      const r = await s.client.callTool({ name: "get_stats_data", arguments: { statsDataId: "0003215840", limit: 50 } });
      assert.equal(r.isError, undefined, text(r));
      const out = r.structuredContent as { total: number; nextPosition: number; rows: { value: number | null }[] };
      assert.equal(out.rows.length, 50);
      assert.equal(out.nextPosition, 51);
      assert.equal(tableRows(text(r)).length, 50);
      assert.doesNotMatch(text(r), /structuredContent/);
      assert.match(text(r), /startPosition=51\b/);
      assert.match(text(r), new RegExp(`Showing 50 of ${out.total}`));
    });

    it("shows the code beside a label that stands for two classes in the rows (府中市)", async () => {
      const r = await s.client.callTool({ name: "get_stats_data", arguments: { statsDataId: "0000013206" } });
      assert.equal(r.isError, undefined, text(r));
      const rows = tableRows(text(r));
      assert.equal(rows.length, 4);
      const row = (n: string) => rows.find((l) => l.includes(n)) ?? "";
      assert.match(row("262790"), /府中市 \(13206\)/);
      assert.match(row("37655"), /府中市 \(34208\)/);
      assert.doesNotMatch(row("14047594"), /13000/, `an unambiguous label needs no code: ${text(r)}`);
    });

    it("does not repeat raw where it equals the value, and keeps it where it is a symbol", async () => {
      const plain = await s.client.callTool({
        name: "get_stats_data",
        arguments: { statsDataId: "0003445078", filters: { area: "00000" } },
      });
      assert.equal(text(plain).split("126146099").length - 1, 1, text(plain));
      const symbols = await s.client.callTool({ name: "get_stats_data", arguments: { statsDataId: synthetic.statsDataId, limit: 200 } });
      const rows = (symbols.structuredContent as { rows: { value: number | null; raw: string }[] }).rows;
      const symbol = rows.find((x) => x.value === null);
      assert.ok(symbol, "the synthetic table has symbols in its first 200 rows");
      assert.match(text(symbols), /\| raw \|/);
      assert.ok(tableRows(text(symbols)).some((l) => l.includes(`| ${symbol.raw} |`)));
    });
  });

  describe("the data lake tools", () => {
    it("save_dataset shows the dataset id, formats and sizes, and no server paths", async () => {
      const r = await s.client.callTool({
        name: "save_dataset",
        arguments: { statsDataId: "0003445078", filters: { cat01: "総数" }, formats: ["parquet", "csv"] },
      });
      assert.equal(r.isError, undefined, text(r));
      const out = r.structuredContent as { datasetId: string; files: { format: string; uri?: string; bytes: number }[] };
      assert.match(out.datasetId, /^0003445078\/[0-9a-f]{12}$/);
      // Issue 9: a filesystem lake's paths are the server's own; structuredContent carries none either.
      assert.ok(["parquet", "csv"].every((f) => out.files.some((x) => x.format === f)), JSON.stringify(out.files));
      assert.ok(out.files.every((f) => f.uri === undefined && f.bytes > 0));
      assert.doesNotMatch(JSON.stringify(r.structuredContent), /file:\/\/|\/tmp\//);
      const t = text(r);
      assert.ok(t.includes(out.datasetId));
      assert.doesNotMatch(t, /file:\/\/|\/tmp\//);
      assert.match(t, /cat01=0 \(総数\)/);
      assert.match(t, /parquet \(\d+(\.\d)? (B|KB)\)/);
      assert.match(t, /csv \(\d+(\.\d)? (B|KB)\)/);
      assert.match(t, /get_download_url/);
    });

    it("list_datasets says which subset each dataset is, and its formats", async () => {
      const saved = await s.client.callTool({ name: "save_dataset", arguments: { statsDataId: "0003445078" } });
      assert.equal(saved.isError, undefined, text(saved));
      const r = await s.client.callTool({ name: "list_datasets", arguments: { statsDataId: "0003445078" } });
      const datasets = (r.structuredContent as { datasets: { datasetId: string; formats: string[] }[] }).datasets;
      assert.equal(datasets.length, 2);
      const rows = tableRows(text(r));
      const filtered = datasets.find((d) => d.datasetId !== "0003445078/all");
      const line = rows.find((l) => l.includes(filtered?.datasetId ?? "?")) ?? "";
      assert.match(line, /cat01=0 \(総数\)/);
      assert.match(line, /parquet, csv|csv, parquet/);
      const whole = rows.find((l) => l.includes("0003445078/all")) ?? "";
      assert.match(whole, /whole table/);
      assert.match(whole, /\| parquet \|/);
    });

    it("query_dataset accepts a class name in where, resolved through the stored metadata", async () => {
      // Regression: {"cat01": "総数"} answered "(no rows)" because the column holds codes.
      const r = await s.client.callTool({
        name: "query_dataset",
        arguments: { datasetId: "0003445078/all", where: { cat01: "総数", area: ["東京都", "01000"] } },
      });
      assert.equal(r.isError, undefined, text(r));
      const rows = (r.structuredContent as { rows: { cat01: string; area: string }[] }).rows;
      assert.deepEqual(rows.map((x) => [x.cat01, x.area]).sort(), [["0", "01000"], ["0", "13000"]]);
      assert.equal(tableRows(text(r)).length, 2);
    });

    it("query_dataset answers a name that is no class with the candidates and where the labels are", async () => {
      const r = await s.client.callTool({ name: "query_dataset", arguments: { datasetId: "0003445078/all", where: { cat01: "合計" } } });
      assert.equal(r.isError, true);
      assert.match(text(r), /0 総数/);
      assert.match(text(r), /"cat01" holds codes and "cat01Name" holds labels/);
    });

    it("query_dataset rounds numbers in the text and keeps full precision in structuredContent", async () => {
      const saved = await s.client.callTool({ name: "save_dataset", arguments: { statsDataId: synthetic.statsDataId } });
      assert.equal(saved.isError, undefined, text(saved));
      const r = await s.client.callTool({
        name: "query_dataset",
        arguments: { datasetId: `${synthetic.statsDataId}/all`, groupBy: ["cat01"], aggregate: { avg: "value" } },
      });
      assert.equal(r.isError, undefined, text(r));
      const avgs = (r.structuredContent as { rows: { avg_value: number }[] }).rows.map((x) => x.avg_value);
      assert.ok(avgs.some((v) => Math.round(v * 100) / 100 !== v), "some average has more than 2 decimals");
      assert.doesNotMatch(text(r), /\d\.\d{3,}/);
      for (const v of avgs) assert.ok(text(r).includes(String(Math.round(v * 100) / 100)), `${v} shown rounded`);
    });

    it("save_dataset with refresh and no formats keeps the formats saved before", async () => {
      const first = await s.client.callTool({
        name: "save_dataset",
        arguments: { statsDataId: "0003445078", filters: { cat01: "男" }, formats: ["csv"] },
      });
      assert.equal(first.isError, undefined, text(first));
      const again = await s.client.callTool({
        name: "save_dataset",
        arguments: { statsDataId: "0003445078", filters: { cat01: "男" }, refresh: true },
      });
      assert.equal(again.isError, undefined, text(again));
      const out = again.structuredContent as { datasetId: string; fromLake: boolean; files: { name: string }[] };
      assert.equal(out.fromLake, false);
      assert.deepEqual(out.files.map((f) => f.name).filter((n) => n.startsWith("data.")).sort(), ["data.csv", "data.parquet"]);
      const link = await s.client.callTool({ name: "get_download_url", arguments: { datasetId: out.datasetId, format: "csv" } });
      assert.equal(link.isError, undefined, text(link));
      const res = await fetch((link.structuredContent as { url: string }).url);
      assert.equal(res.status, 200);
      assert.match((await res.text()).split("\n")[0], /cat01/);
    });
  });

  describe("the s.fake e-Stat pages as e-Stat does", () => {
    it("search_stats honours limit, so its paging text reads right", async () => {
      const r = await s.client.callTool({ name: "search_stats", arguments: { query: "男女別人口", limit: 5 } });
      assert.equal(s.fake.callsTo("getStatsList").at(-1)?.params.limit, "5");
      assert.equal((r.structuredContent as { nextPosition: number }).nextPosition, 6);
      assert.match(text(r), /startPosition=6\b/);
    });

    it("get_data_catalog honours dataType and limit", async () => {
      const pdf = await s.client.callTool({ name: "get_data_catalog", arguments: { query: "家計", dataType: "PDF" } });
      const out = pdf.structuredContent as { total: number; entries: { resources: { format: string }[] }[] };
      assert.equal(out.total, 1);
      assert.deepEqual(out.entries.flatMap((e) => e.resources.map((x) => x.format)), ["PDF"]);
      const one = await s.client.callTool({ name: "get_data_catalog", arguments: { query: "家計", limit: 1 } });
      assert.equal((one.structuredContent as { entries: unknown[] }).entries.length, 1);
      assert.match(text(one), /startPosition=2\b/);
    });
  });
});

describe("what the model reads: the server's own words", () => {
  const s = useServer();

  for (const era of ["modern", "legacy"] as Era[]) {
    it(`${era} era: instructions cover the lake tools, titles agree, no listChanged`, async () => {
      const client = await connect(s.srv.base, era);
      try {
        const instructions = client.getInstructions() ?? "";
        for (const tool of ["save_dataset", "list_datasets", "query_dataset", "get_download_url", "get_data_catalog"]) {
          assert.ok(instructions.includes(tool), `instructions name ${tool}`);
        }
        const { tools } = await client.listTools();
        for (const t of tools) assert.equal(t.annotations?.title, t.title, t.name);
        assert.notEqual(client.getServerCapabilities()?.tools?.listChanged, true);
      } finally {
        await client.close();
      }
    });
  }
});

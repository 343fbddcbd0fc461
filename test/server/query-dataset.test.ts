/**
 * query_dataset over both faces, issue 9: filter keys the lake does not know are refused by name (zod
 * used to strip them and the query ran unfiltered), and a groupBy past LAKE_QUERY_MAX_GROUPS answers
 * with a way to narrow it instead of holding every group.
 */
import assert from "node:assert/strict";
import { SyntheticTable } from "../helpers/estat-table.ts";
import { text, useServer } from "../helpers/server.ts";

const KEY = "test-key-0123456789abcdef";
const auth = { authorization: `Bearer ${KEY}` };

describe("query_dataset: refused filters and bounded groups", function () {
  this.timeout(60_000);
  const table = new SyntheticTable({ rows: 6_000, statsDataId: "0000006000", pageSize: 6_000 });
  const datasetId = `${table.statsDataId}/all`;
  const s = useServer({
    synthetic: [table],
    lakeDir: "query-dataset-",
    env: { MCP_API_KEYS: KEY, LAKE_QUERY_MAX_GROUPS: "50" },
    client: { era: "modern", headers: auth },
  });

  const execute = async (args: unknown) => {
    const res = await fetch(`${s.srv.base}/execute`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: `{"tool_name":"query_dataset","arguments":${JSON.stringify(args)}}`,
    });
    return { status: res.status, body: (await res.json()) as { success: boolean; error?: string } };
  };

  before(async () => {
    const saved = await s.client.callTool({ name: "save_dataset", arguments: { statsDataId: table.statsDataId } });
    assert.equal(saved.isError, undefined, text(saved));
  });

  it("refuses an unknown range operator by name on /mcp and /execute", async () => {
    const args = { datasetId, where: { value: { gte: 10, gt: 5 } }, aggregate: { count: "*" } };
    const r = await s.client.callTool({ name: "query_dataset", arguments: args });
    assert.equal(r.isError, true);
    assert.match(text(r), /where\.value has unknown operator "gt"\. Operators: gte, lte/);
    const x = await execute(args);
    assert.equal(x.status, 400);
    assert.match(x.body.error!, /where\.value has unknown operator "gt"/);
  });

  it("refuses a __proto__ filter key instead of running unfiltered, on /mcp and /execute", async () => {
    const where = JSON.parse('{"__proto__": {"gte": 1}}');
    const args = { datasetId, where, aggregate: { count: "*" } };
    assert.match(JSON.stringify(args), /"__proto__"/, "the key is on the wire");
    const r = await s.client.callTool({ name: "query_dataset", arguments: args });
    assert.equal(r.isError, true);
    assert.match(text(r), /where\.__proto__: "__proto__" is not a valid key; use names such as area/);
    const x = await execute(args);
    assert.equal(x.status, 400);
    // The same words as /mcp (one argument check in server/tools/arguments.ts for both faces).
    assert.equal(x.body.error, text(r));
  });

  it("refuses a __proto__ key in save_dataset and get_stats_data filters instead of fetching the whole table", async () => {
    const filters = JSON.parse('{"__proto__": "13000"}');
    for (const name of ["save_dataset", "get_stats_data"]) {
      const before = s.fake.callsTo("getStatsData").length;
      const r = await s.client.callTool({ name, arguments: { statsDataId: table.statsDataId, filters } });
      assert.equal(r.isError, true, name);
      assert.match(text(r), /filters\.__proto__: "__proto__" is not a valid key; use names such as area, time, cat01/);
      assert.equal(s.fake.callsTo("getStatsData").length, before, `${name} made no e-Stat call`);
    }
  });

  it("stops a groupBy past LAKE_QUERY_MAX_GROUPS with a way to narrow it, and still answers small ones", async () => {
    const r = await s.client.callTool({
      name: "query_dataset",
      arguments: { datasetId, groupBy: ["area", "time", "cat01"], aggregate: { sum: "value" } },
    });
    assert.equal(r.isError, true);
    assert.match(text(r), /makes more than 50 groups.*add a where filter/);
    const ok = await s.client.callTool({
      name: "query_dataset",
      arguments: { datasetId, groupBy: ["cat01"], aggregate: { count: "*" } },
    });
    assert.equal(ok.isError, undefined, text(ok));
    const rows = (ok.structuredContent as { rows: { count: number }[] }).rows;
    assert.equal(rows.reduce((s, x) => s + x.count, 0), 6_000);
  });
});

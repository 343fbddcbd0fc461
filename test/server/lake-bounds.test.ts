/**
 * The lake's bounds through the tools (issue 9): the dataset quota from LAKE_MAX_DATASETS, list_datasets
 * in pages with a text that says how to get the next one, and save_dataset answers that carry no path
 * of the server's filesystem.
 */
import assert from "node:assert/strict";
import { SyntheticTable } from "../helpers/estat-table.ts";
import { text, useServer } from "../helpers/server.ts";

const tables = Array.from(
  { length: 3 },
  (_, i) => new SyntheticTable({ rows: 300, pageSize: 200, statsDataId: `000000040${i}` }),
);

describe("lake bounds through the tools (filesystem lake, LAKE_MAX_DATASETS=2)", function () {
  this.timeout(60_000);
  const s = useServer({
    synthetic: tables,
    lakeDir: "lake-bounds-tools-",
    env: { LAKE_MAX_DATASETS: "2" },
    client: { era: "modern" },
  });

  it("save_dataset answers without the server's paths", async () => {
    const r = await s.client.callTool({ name: "save_dataset", arguments: { statsDataId: tables[0].statsDataId, formats: ["parquet", "csv"] } });
    assert.equal(r.isError, undefined, text(r));
    const answer = JSON.stringify(r);
    assert.ok(!answer.includes(s.dir), answer);
    assert.doesNotMatch(answer, /file:\/\//);
    const files = (r.structuredContent as { files: { name: string; uri?: string }[] }).files;
    assert.deepEqual(files.map((f) => [f.name, f.uri]).sort(), [
      ["data.csv", undefined],
      ["data.parquet", undefined],
      ["meta.csv", undefined],
      ["meta.json", undefined],
    ]);
  });

  it("refuses a third dataset with the quota's message on /mcp and a 507 on /execute", async () => {
    const second = await s.client.callTool({ name: "save_dataset", arguments: { statsDataId: tables[1].statsDataId } });
    assert.equal(second.isError, undefined, text(second));
    const third = await s.client.callTool({ name: "save_dataset", arguments: { statsDataId: tables[2].statsDataId } });
    assert.equal(third.isError, true);
    assert.match(text(third), /^The data lake holds 2 datasets, its limit \(LAKE_MAX_DATASETS=2\); 0000000402\/all would be a new one\./);
    const res = await fetch(`${s.srv.base}/execute`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tool_name: "save_dataset", arguments: { statsDataId: tables[2].statsDataId } }),
    });
    assert.equal(res.status, 507);
    assert.match(((await res.json()) as { error: string }).error, /raise LAKE_MAX_DATASETS\.$/);
  });

  it("list_datasets pages with a cursor and says how to get the next page", async () => {
    const first = await s.client.callTool({ name: "list_datasets", arguments: { limit: 1 } });
    const page1 = first.structuredContent as { datasets: { datasetId: string }[]; nextCursor?: string };
    assert.deepEqual(page1.datasets.map((d) => d.datasetId), ["0000000400/all"]);
    assert.ok(page1.nextCursor);
    assert.ok(text(first).includes(`call list_datasets again with {"cursor": "${page1.nextCursor}"}`), text(first));
    const second = await s.client.callTool({ name: "list_datasets", arguments: { limit: 1, cursor: page1.nextCursor } });
    const page2 = second.structuredContent as { datasets: { datasetId: string }[]; nextCursor?: string };
    assert.deepEqual(page2.datasets.map((d) => d.datasetId), ["0000000401/all"]);
    assert.equal(page2.nextCursor, undefined);
    assert.doesNotMatch(text(second), /cursor/);
  });
});

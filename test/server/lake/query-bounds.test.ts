/**
 * Issue 9, crash 2 and the silent `where` keys: query() holds a bounded number of groups, runs a bounded
 * number of queries per instance and per key, stops on cancel and deadline, and rejects filter keys it
 * does not know by name instead of running unfiltered.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Lake, type Manifest, openLake } from "../../../server/lake/index.ts";
import { SyntheticTable } from "../../helpers/estat-table.ts";
import { isLakeError } from "./lake-error.ts";
import { sourceOf } from "./source.ts";

const table = new SyntheticTable({ rows: 12_000, pageSize: 5_000 });

describe("Lake.query bounds", () => {
  let dir: string;
  let manifest: Manifest;
  const open = (queries: NonNullable<Parameters<typeof openLake>[1]>["queries"]) => openLake(`file://${dir}`, { queries });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "query-bounds-"));
    manifest = await open({}).saveDataset(sourceOf(table), { formats: ["parquet"], rowGroupRows: 3_000 });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe("groups", () => {
    it("stops a groupBy past maxGroups with an error that says how to narrow it", async () => {
      const lake = open({ maxGroups: 100 });
      const areas = new Set(table.rows(0, table.totalNumber).map((r) => r.area)).size;
      assert.ok(areas < 100, "the table has fewer than 100 areas");
      const ok = await lake.query(manifest.datasetId, { groupBy: ["area"], aggregate: { count: "*" }, limit: 1000 });
      assert.equal(ok.rows.length, areas);
      await assert.rejects(
        lake.query(manifest.datasetId, { groupBy: ["area", "time", "cat01"], aggregate: { sum: "value" } }),
        isLakeError(400, /groupBy area, time, cat01 makes more than 100 groups.*where filter.*fewer or coarser columns/),
      );
    });
  });

  describe("concurrency", () => {
    const q = { groupBy: ["area"], aggregate: { count: "*" } };

    it("answers a busy instance at once with a retry hint, and serves again when a slot is free", async () => {
      const lake = open({ concurrency: 1, queue: 1, perKey: 10 });
      const first = lake.query(manifest.datasetId, q);
      const queued = lake.query(manifest.datasetId, q);
      await assert.rejects(
        lake.query(manifest.datasetId, q),
        isLakeError(503, /busy \(1 queries running, 1 waiting\)\. Retry in a few seconds/),
      );
      const [a, b] = await Promise.all([first, queued]);
      assert.deepEqual(a, b);
      assert.deepEqual(await lake.query(manifest.datasetId, q), a);
    });

    it("bounds one key's share and leaves other keys their own", async () => {
      const lake = open({ concurrency: 4, queue: 4, perKey: 2 });
      const mine = [lake.query(manifest.datasetId, q, { key: "k1" }), lake.query(manifest.datasetId, q, { key: "k1" })];
      await assert.rejects(
        lake.query(manifest.datasetId, q, { key: "k1" }),
        isLakeError(429, /already have 2 query_dataset calls running \(at most 2 at once per key\)\. Wait/),
      );
      const other = await lake.query(manifest.datasetId, q, { key: "k2" });
      await Promise.all(mine);
      assert.deepEqual(await lake.query(manifest.datasetId, q, { key: "k1" }), other);
    });

    it("releases the slot of a query that failed", async () => {
      const lake = open({ concurrency: 1, queue: 0, perKey: 1, maxGroups: 10 });
      for (let i = 0; i < 3; i++) {
        await assert.rejects(
          lake.query(manifest.datasetId, { groupBy: ["time", "area"], aggregate: { count: "*" } }, { key: "k" }),
          isLakeError(400, /more than 10 groups/),
        );
      }
      assert.deepEqual((await lake.query(manifest.datasetId, { aggregate: { count: "*" } }, { key: "k" })).rows, [{ count: 12_000 }]);
    });
  });

  describe("cancel and deadline", () => {
    const big = { groupBy: ["area", "time"], aggregate: { sum: "value" } };

    it("stops a running query when its caller goes away", async () => {
      const lake = open({});
      const ac = new AbortController();
      const p = lake.query(manifest.datasetId, big, { signal: ac.signal });
      setImmediate(() => ac.abort());
      await assert.rejects(p, isLakeError(499, /cancelled/));
    });

    it("stops a running query at its deadline, saying how to narrow it", async () => {
      const lake = open({});
      await assert.rejects(
        lake.query(manifest.datasetId, big, { signal: AbortSignal.timeout(1) }),
        isLakeError(499, /ran out of time.*Narrow it with where/),
      );
    });

    it("withdraws a queued query whose caller went away, freeing its place", async () => {
      const lake = open({ concurrency: 1, queue: 1, perKey: 10 });
      const running = lake.query(manifest.datasetId, big);
      const ac = new AbortController();
      const queued = lake.query(manifest.datasetId, big, { signal: ac.signal });
      ac.abort();
      await assert.rejects(queued, isLakeError(499, /cancelled/));
      // The queue place is free again: this one waits instead of being told the lake is busy.
      const next = lake.query(manifest.datasetId, { aggregate: { count: "*" } });
      await running;
      assert.deepEqual((await next).rows, [{ count: 12_000 }]);
    });
  });

  describe("where", () => {
    let lake: Lake;
    before(() => {
      lake = open({});
    });

    it("rejects unknown operators by name instead of running unfiltered", async () => {
      await assert.rejects(
        lake.query(manifest.datasetId, { where: { value: { gte: 10, gt: 5 } as never } }),
        isLakeError(400, /where\.value has unknown operator "gt"\. Operators: gte, lte \(both inclusive\)/),
      );
      await assert.rejects(
        lake.query(manifest.datasetId, { where: { time: { from: "2000", to: "2010" } as never } }),
        isLakeError(400, /where\.time has unknown operators "from", "to"\. Operators: gte, lte/),
      );
    });

    it("rejects a __proto__ key (an own key, as JSON.parse makes it) listing the valid columns", async () => {
      const where = JSON.parse('{"__proto__": {"gte": 1}}');
      await assert.rejects(
        lake.query(manifest.datasetId, { where }),
        isLakeError(400, /Unknown column "__proto__" in where\. Valid columns: tab, tabName/),
      );
      await assert.rejects(
        lake.query(manifest.datasetId, { where: { value: JSON.parse('{"gte": 1, "__proto__": 5}') } }),
        isLakeError(400, /where\.value has unknown operator "__proto__"/),
      );
    });
  });
});

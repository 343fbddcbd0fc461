/**
 * Regressions (issue 9, "the lake grows without bound"): every save was permanent and unbounded (no
 * quota on datasets or bytes), and listDatasets read every manifest in one answer (no paging).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LakeError, openLake } from "../../../server/lake/index.ts";
import { SyntheticTable } from "../../helpers/estat-table.ts";
import { S3_CREDENTIALS, startS3 } from "../../helpers/s3.ts";
import { sourceOf } from "./source.ts";

const tables = Array.from(
  { length: 5 },
  (_, i) => new SyntheticTable({ rows: 300, pageSize: 200, statsDataId: `000999030${i}` }),
);

const kinds: [string, () => Promise<{ uri: string; opts: Parameters<typeof openLake>[1]; stop: () => Promise<void> }>][] = [
  [
    "filesystem",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "lake-bounds-"));
      return { uri: `file://${dir}`, opts: {}, stop: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
  [
    "s3rver",
    async () => {
      const s3 = await startS3();
      return { uri: "s3://lake/b", opts: { s3Endpoint: s3.endpoint, credentials: S3_CREDENTIALS }, stop: s3.stop };
    },
  ],
];

function quotaError(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof LakeError, `expected a LakeError, got ${err}`);
    assert.equal(err.status, 507);
    assert.match(err.message, pattern);
    return true;
  };
}

for (const [kind, setUp] of kinds) {
  describe(`lake bounds (${kind})`, function () {
    this.timeout(30_000);
    let target: Awaited<ReturnType<(typeof kinds)[number][1]>>;
    beforeEach(async () => (target = await setUp()));
    afterEach(async () => target.stop());

    it("refuses a new dataset beyond maxDatasets, naming the limit and what to delete, but refreshes a stored one", async () => {
      const lake = openLake(target.uri, { ...target.opts, maxDatasets: 2, retireGraceMs: 0 });
      await lake.saveDataset(sourceOf(tables[0]), { formats: ["parquet"] });
      await lake.saveDataset(sourceOf(tables[1]), { formats: ["parquet"] });
      await assert.rejects(
        lake.saveDataset(sourceOf(tables[2]), { formats: ["parquet"] }),
        quotaError(
          new RegExp(
            "^The data lake holds 2 datasets, its limit \\(LAKE_MAX_DATASETS=2\\); 0009990302/all would be a new one\\. " +
              "Refresh a stored dataset instead \\(list them with list_datasets\\), or ask the operator to delete " +
              "datasets no longer needed \\(the least recently saved: 0009990300/all, 0009990301/all; .*raise LAKE_MAX_DATASETS\\.$",
          ),
        ),
      );
      assert.deepEqual((await lake.listDatasets()).map((m) => m.datasetId), ["0009990300/all", "0009990301/all"]);
      const again = await lake.saveDataset(sourceOf(tables[0]), { formats: ["parquet"] });
      assert.equal(again.rows, 300);
    });

    it("refuses any save once the lake holds maxBytes, naming the largest datasets", async () => {
      const lake = openLake(target.uri, { ...target.opts, maxBytes: 1, retireGraceMs: 0 });
      await lake.saveDataset(sourceOf(tables[0]), { formats: ["parquet"] });
      await assert.rejects(
        lake.saveDataset(sourceOf(tables[1]), { formats: ["parquet"] }),
        quotaError(/^The data lake holds [0-9.]+ MB, at its limit \(LAKE_MAX_MB=[0-9.e-]+\); nothing new can be saved\. .*the largest: 0009990300\/all [0-9.]+ MB;.*raise LAKE_MAX_MB\.$/),
      );
      await assert.rejects(lake.saveDataset(sourceOf(tables[0]), { formats: ["parquet"] }), quotaError(/LAKE_MAX_MB/));
    });

    it("pages listDatasetsPage by cursor, in datasetId order, and rejects a made-up cursor", async () => {
      const lake = openLake(target.uri, target.opts);
      for (const t of [...tables].reverse()) await lake.saveDataset(sourceOf(t), { formats: ["parquet"] });
      const ids: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await lake.listDatasetsPage({ cursor, limit: 2 });
        ids.push(page.datasets.map((m) => m.datasetId));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(ids, [
        ["0009990300/all", "0009990301/all"],
        ["0009990302/all", "0009990303/all"],
        ["0009990304/all"],
      ]);
      assert.deepEqual(
        (await lake.listDatasetsPage({ statsDataId: "0009990303" })).datasets.map((m) => m.datasetId),
        ["0009990303/all"],
      );
      await assert.rejects(lake.listDatasetsPage({ cursor: "bm90LWEtZGF0YXNldA" }), (err) => {
        assert.ok(err instanceof LakeError);
        assert.equal(err.status, 400);
        assert.match(err.message, /pass the nextCursor of the previous list_datasets answer/);
        return true;
      });
    });
  });
}

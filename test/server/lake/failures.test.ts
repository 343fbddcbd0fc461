import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Lake, LakeError, openLake } from "../../../server/lake/index.ts";
import { SyntheticTable } from "../../helpers/estat-table.ts";
import { S3_CREDENTIALS, startS3, type TestS3 } from "../../helpers/s3.ts";
import { sourceOf } from "./source.ts";

function unreachable(err: unknown) {
  assert.ok(err instanceof LakeError, `expected a LakeError, got ${err}`);
  assert.equal(err.status, 503);
  assert.match(
    err.message,
    /^The data lake at s3:\/\/lake\/p is unreachable \(ECONNREFUSED\) while trying to .+ Check that the store is running/,
  );
  assert.doesNotMatch(err.message, /S3RVER/);
  return true;
}

describe("openLake (s3) when the store goes away", () => {
  let s3: TestS3;
  let lake: Lake;
  const table = new SyntheticTable({ rows: 900, pageSize: 300 });

  beforeEach(async () => {
    s3 = await startS3();
    lake = openLake("s3://lake/p", { s3Endpoint: s3.endpoint, credentials: S3_CREDENTIALS });
  });
  afterEach(async () => s3.stop());

  it("answers queries, listings and readiness checks with a LakeError once S3 is stopped", async () => {
    const m = await lake.saveDataset(sourceOf(table), { formats: ["parquet"] });
    await s3.stop();
    await assert.rejects(lake.query(m.datasetId, { limit: 1 }), unreachable);
    await assert.rejects(lake.listDatasets(), unreachable);
    await assert.rejects(lake.check(), unreachable);
    await assert.rejects(lake.downloadUrl(m.datasetId, "parquet", 60), unreachable);
  });

  it("fails a save with a LakeError when S3 stops between pages", async () => {
    const src = sourceOf(table, { beforePage: (n) => (n === 2 ? s3.stop() : undefined) });
    await assert.rejects(lake.saveDataset(src, { formats: ["parquet"] }), unreachable);
  });

  it("names a missing bucket", async () => {
    const other = openLake("s3://missing-bucket", { s3Endpoint: s3.endpoint, credentials: S3_CREDENTIALS });
    await assert.rejects(other.check(), (err) => {
      assert.ok(err instanceof LakeError);
      assert.equal(
        err.message,
        "The bucket of s3://missing-bucket does not exist. Create it or fix DATA_LAKE / S3_BUCKET.",
      );
      return true;
    });
  });
});

describe("openLake (filesystem) on a path it cannot write", () => {
  it("fails check() with a LakeError naming the directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lake-bad-"));
    try {
      await writeFile(join(dir, "file"), "not a directory");
      const lake = openLake(join(dir, "file", "lake"));
      await assert.rejects(lake.check(), (err) => {
        assert.ok(err instanceof LakeError);
        assert.equal(err.status, 503);
        assert.match(err.message, new RegExp(`write a probe file in file://${dir}/file/lake`));
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("openLake", () => {
  it("resolves file://./data against the working directory and rejects unknown schemes", () => {
    assert.equal(openLake("file://./data").describe(), `file://${process.cwd()}/data`);
    assert.equal(openLake("file:///var/lake").describe(), "file:///var/lake");
    assert.equal(openLake("s3://bucket/some/prefix/").describe(), "s3://bucket/some/prefix");
    assert.throws(
      () => openLake("gs://bucket"),
      /Unsupported DATA_LAKE "gs:\/\/…"\. Use s3:\/\/bucket\/prefix or file:\/\/\.\/data\./,
    );
    assert.throws(() => openLake("s3://"), /Invalid DATA_LAKE/);
  });
});

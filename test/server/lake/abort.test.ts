/**
 * Regression (issue 9, crash 1): an abort that lands between pages while the next page is being fetched
 * left the page generator's rejection unobserved (`raceAbort` threw before attaching its handlers), which
 * kills a Node process, and left a `.staging/save-*` directory behind.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DatasetSource, LakeError, openLake, storeFor } from "../../../server/lake/index.ts";
import { SyntheticTable } from "../../helpers/estat-table.ts";
import { S3_CREDENTIALS, startS3, type TestS3 } from "../../helpers/s3.ts";
import { sourceOf } from "./source.ts";

/** Like the e-Stat page generator: a page asked for after the abort rejects with the signal's reason. */
function abortableSource(table: SyntheticTable, signal: AbortSignal): DatasetSource {
  return sourceOf(table, {
    beforePage: async () => {
      await new Promise((r) => setTimeout(r, 1));
      signal.throwIfAborted();
    },
  });
}

const table = new SyntheticTable({ rows: 1_200, pageSize: 200, statsDataId: "0009990100" });

for (const kind of ["filesystem", "s3"] as const) {
  describe(`saveDataset (${kind}) aborted at each step of a 6-page save`, function () {
    this.timeout(60_000);
    let dir: string;
    let s3: TestS3 | undefined;
    let uri: string;
    let opts: Parameters<typeof openLake>[1];
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "lake-abort-"));
      if (kind === "s3") {
        s3 = await startS3();
        uri = "s3://lake/abort";
        opts = { s3Endpoint: s3.endpoint, credentials: S3_CREDENTIALS };
      } else {
        uri = `file://${dir}`;
        opts = {};
      }
      process.on("unhandledRejection", onUnhandled);
    });
    after(async () => {
      process.off("unhandledRejection", onUnhandled);
      await s3?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it("answers 'cancelled; nothing was saved', leaves no staging or lake files and no unhandled rejection", async () => {
      const lake = openLake(uri, opts);
      const store = storeFor(uri, opts);
      // Abort from inside the save (after page n was written), so the abort always lands while the save
      // is running, at a different step each time.
      for (let n = 1; n <= 6; n++) {
        const ac = new AbortController();
        await assert.rejects(
          lake.saveDataset(abortableSource(table, ac.signal), {
            formats: ["parquet", "csv"],
            signal: ac.signal,
            onPage: ({ page }) => {
              if (page === n) ac.abort();
            },
          }),
          (err) => {
            assert.ok(err instanceof LakeError, `page ${n}: ${err}`);
            assert.equal(err.status, 499);
            assert.equal(err.message, `Saving ${table.statsDataId}/all was cancelled; nothing was saved.`);
            return true;
          },
        );
        // Let any stray rejection surface before looking.
        await new Promise((r) => setTimeout(r, 20));
        assert.deepEqual(unhandled, [], `page ${n}`);
        assert.deepEqual(await store.list(""), [], `page ${n}`);
        if (kind === "filesystem") assert.deepEqual(await readdir(join(dir, ".staging")), [], `page ${n}`);
      }
    });
  });
}

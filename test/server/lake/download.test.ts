import assert from "node:assert/strict";
import { LakeError, signDownload, verifyDownload } from "../../../server/lake/index.ts";

const KEY = "k3y";
const NOW = Date.parse("2026-11-24T00:00:00Z");

function signed(file = "data.parquet", expires = 600) {
  const { path, expiresAt } = signDownload("0003445078/all", file, expires, KEY, NOW);
  const u = new URL(`http://h/prefix${path}`);
  return { path: u.pathname, query: Object.fromEntries(u.searchParams), expiresAt };
}

function rejected(status: number, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof LakeError);
    assert.equal(err.status, status);
    assert.match(err.message, pattern);
    return true;
  };
}

describe("verifyDownload", () => {
  it("accepts a signed path under any prefix until it expires", () => {
    const { path, query, expiresAt } = signed();
    assert.equal(expiresAt, "2026-11-24T00:10:00.000Z");
    assert.equal(query.expires, String(NOW / 1000 + 600));
    assert.deepEqual(verifyDownload(path, query, KEY, NOW + 600_000), {
      datasetId: "0003445078/all",
      file: "data.parquet",
    });
  });

  it("rejects an expired link", () => {
    const { path, query } = signed();
    assert.throws(
      () => verifyDownload(path, query, KEY, NOW + 601_000),
      rejected(403, /expired.*get_download_url/),
    );
  });

  it("rejects a tampered signature, expiry, file or key", () => {
    const { path, query } = signed();
    const flipped = `${query.sig.slice(0, -1)}${query.sig.endsWith("A") ? "B" : "A"}`;
    assert.throws(
      () => verifyDownload(path, { ...query, sig: flipped }, KEY, NOW),
      rejected(403, /signature is invalid/),
    );
    assert.throws(
      () => verifyDownload(path, { ...query, expires: String(Number(query.expires) + 3600) }, KEY, NOW),
      rejected(403, /signature is invalid/),
    );
    assert.throws(
      () => verifyDownload(path.replace("data.parquet", "data.csv"), query, KEY, NOW),
      rejected(403, /signature is invalid/),
    );
    assert.throws(
      () => verifyDownload(path.replace("/all/", "/0123456789ab/"), query, KEY, NOW),
      rejected(403, /signature is invalid/),
    );
    assert.throws(() => verifyDownload(path, query, "other-key", NOW), rejected(403, /signature is invalid/));
  });

  it("rejects links without a signature and paths that are not dataset files", () => {
    const { path, query } = signed();
    assert.throws(() => verifyDownload(path, { expires: query.expires }, KEY, NOW), rejected(403, /lacks/));
    assert.throws(
      () => verifyDownload(path, { ...query, expires: "soon" }, KEY, NOW),
      rejected(403, /lacks/),
    );
    assert.throws(
      () => verifyDownload("/datasets/0003445078/all/manifest.json", query, KEY, NOW),
      rejected(400, /Not a dataset download path/),
    );
    assert.throws(
      () => verifyDownload("/datasets/..%2F..%2Fetc/all/data.parquet", query, KEY, NOW),
      rejected(400, /Invalid datasetId/),
    );
  });
});

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Store } from "../../../server/lake/s3-store.ts";
import { S3_CREDENTIALS, startS3, type TestS3 } from "../../helpers/s3.ts";

describe("S3Store", () => {
  let s3: TestS3;
  let dir: string;
  before(async () => {
    s3 = await startS3();
    dir = await mkdtemp(join(tmpdir(), "s3store-"));
  });
  after(async () => {
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("uploads a file above the threshold in parts (here 4), byte for byte", async () => {
    const store = new S3Store(s3.bucket, "p", {
      s3Endpoint: s3.endpoint,
      credentials: S3_CREDENTIALS,
      multipartThreshold: 1024,
      partSize: 64 * 1024,
    });
    const bytes = randomBytes(200_000);
    const local = join(dir, "big.bin");
    await writeFile(local, bytes);
    await store.putFile("x/big.bin", local, "application/octet-stream");
    assert.deepEqual(Buffer.from((await store.getBytes("x/big.bin"))!), bytes);
    const buf = await store.asyncBuffer("x/big.bin", bytes.length);
    assert.deepEqual(Buffer.from(await buf.slice(1000, 1010)), bytes.subarray(1000, 1010));
    assert.deepEqual(await store.list("x/"), ["x/big.bin"]);
    await store.delete(["x/big.bin", "x/missing"]);
    assert.equal(await store.getBytes("x/big.bin"), undefined);
  });
});

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type Lake, openLake } from "../../../server/lake/index.ts";
import { SyntheticTable } from "../../helpers/estat-table.ts";
import { FakeEstat } from "../../helpers/fake-estat.ts";
import { connect, startServer, text } from "../../helpers/server.ts";
import { startS3, type TestS3 } from "../../helpers/s3.ts";
import { sourceOf } from "./source.ts";

const ENV = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION"];

/** X-Amz-Date (20261201T220000Z) as epoch milliseconds. */
const amzDate = (d: string) =>
  Date.parse(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`);

// Regression: a presigned URL signed with a task role's temporary credentials dies with them (≤ 6 h,
// often 1 h), but get_download_url reported the expiry asked for, up to 7 days.
describe("S3 download links signed with temporary credentials (the SDK's provider chain)", () => {
  let s3: TestS3;
  let lake: Lake;
  let datasetId: string;
  let sha256: string;
  const saved: Record<string, string | undefined> = {};
  before(async () => {
    s3 = await startS3();
    for (const k of ENV) saved[k] = process.env[k];
    // Credentials the way the SDK's chain hands them out on ECS or with SSO: a session with an expiration.
    // (The env provider reads AWS_CREDENTIAL_EXPIRATION; the container provider gets it from ECS.)
    process.env.AWS_ACCESS_KEY_ID = "S3RVER";
    process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
    process.env.AWS_SESSION_TOKEN = "session-token-for-s3rver";
    process.env.AWS_CREDENTIAL_EXPIRATION = new Date(Date.now() + 900_000).toISOString();
    lake = openLake(`s3://${s3.bucket}/lake`, { s3Endpoint: s3.endpoint });
    const m = await lake.saveDataset(sourceOf(new SyntheticTable({ rows: 20, pageSize: 20 })), { formats: ["parquet"] });
    datasetId = m.datasetId;
    sha256 = m.files[0].sha256;
  });
  after(async () => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await s3.stop();
  });

  it("caps the expiry at the credentials' expiration and says so; expiresAt is what the URL carries", async () => {
    const r = await lake.downloadUrl(datasetId, "parquet", 86_400);
    const u = new URL(r.url);
    const signed = amzDate(u.searchParams.get("X-Amz-Date") ?? "");
    const expires = Number(u.searchParams.get("X-Amz-Expires"));
    assert.equal(r.expiresInSeconds, expires);
    assert.equal(Date.parse(r.expiresAt), signed + expires * 1000, "expiresAt = X-Amz-Date + X-Amz-Expires");
    const until = Date.parse(process.env.AWS_CREDENTIAL_EXPIRATION ?? "");
    assert.ok(Date.parse(r.expiresAt) <= until, "no later than the credentials");
    assert.ok(until - Date.parse(r.expiresAt) < 2_000, "and not needlessly earlier");
    assert.match(r.note ?? "", /^Valid \d+ s, not the 86400 s asked: .*temporary cloud credentials/);
    assert.equal(u.searchParams.get("X-Amz-Security-Token"), "session-token-for-s3rver");
    const res = await fetch(r.url);
    assert.equal(res.status, 200);
    assert.equal(createHash("sha256").update(new Uint8Array(await res.arrayBuffer())).digest("hex"), sha256);
  });

  it("keeps a shorter expiry as asked, without a note", async () => {
    const r = await lake.downloadUrl(datasetId, "parquet", 600);
    assert.equal(r.expiresInSeconds, 600);
    assert.equal(r.note, undefined);
    const u = new URL(r.url);
    assert.equal(Date.parse(r.expiresAt), amzDate(u.searchParams.get("X-Amz-Date") ?? "") + 600_000);
  });

  it("get_download_url says so to the model: in its description, its structured result and its text", async () => {
    const fake = await new FakeEstat().listen();
    const srv = await startServer({
      ESTAT_API_URL: fake.url,
      ESTAT_APP_ID: fake.appId,
      DATA_LAKE: `s3://${s3.bucket}/mcp`,
      S3_ENDPOINT: s3.endpoint,
    });
    const client = await connect(srv.base, "modern");
    try {
      const { tools } = await client.listTools();
      const tool = tools.find((t) => t.name === "get_download_url");
      assert.match(tool?.description ?? "", /temporary .*cannot outlive them.*expiresAt is always when the link really stops working/);
      const save = await client.callTool({
        name: "save_dataset",
        arguments: { statsDataId: "0003445078", filters: { area: "13000" } },
      });
      assert.equal(save.isError, undefined, text(save));
      const { datasetId: id } = save.structuredContent as { datasetId: string };
      const r = await client.callTool({ name: "get_download_url", arguments: { datasetId: id, expiresInSeconds: 604_800 } });
      assert.equal(r.isError, undefined, text(r));
      const out = r.structuredContent as { expiresAt: string; expiresInSeconds: number; note?: string };
      assert.ok(out.expiresInSeconds <= 900 && out.expiresInSeconds > 800, String(out.expiresInSeconds));
      assert.match(out.note ?? "", /not the 604800 s asked/);
      assert.ok(text(r).includes(`(expires ${out.expiresAt}; ${out.note})`), text(r));
    } finally {
      await client.close();
      await srv.close();
      await fake.close();
    }
  });
});

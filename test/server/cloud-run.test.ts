// The server as the gcp-cloud-run stack runs it: the env the stack gives the container (recorded from the
// Pulumi program under mocks), started the way Cloud Run starts it (PORT chosen by the platform,
// HOST=0.0.0.0), with the lake on an S3-compatible server reached with the settings Cloud Storage's XML
// API needs (endpoint, region `auto`, path style, a static HMAC-style key pair, checksums WHEN_REQUIRED).
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { request } from "node:http";
import { createServer } from "node:net";
import { Client } from "@modelcontextprotocol/client";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { FakeEstat } from "../helpers/fake-estat.ts";
import { startS3, type TestS3 } from "../helpers/s3.ts";
import { text } from "../helpers/server.ts";
import { type Spawned, spawnServer, until } from "../helpers/spawn.ts";
import { runStack } from "../stacks/harness.ts";

/** An HMAC key as Cloud Storage issues them (GOOG1E… access id, 40-character secret). */
const HMAC = { accessId: "GOOG1ETESTHMACKEY0123456789ABCDEFGHIJKLMNOPQRSTUV", secret: "hmacSecret0123456789abcdefghijklmnopqrst" };
const KEY = "cloudRunKey0123456789abcdefghijklmnop";

// s3rver knows one key pair (S3RVER); register the HMAC-style one so it accepts requests signed with it.
// (s3rver checks the access key id exists and verifies V2 signatures; it does not recompute V4 ones.)
const account = createRequire(import.meta.url)("s3rver/lib/models/account.js") as {
  DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
};
account.DUMMY_ACCOUNT.createKeyPair(HMAC.accessId, HMAC.secret);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** The Cloud Run container's plain env from the gcp-dev stack, as the program declares it. */
async function stackEnv(): Promise<Record<string, string>> {
  const run = await runStack("gcp-dev");
  assert.deepEqual(run.errors, []);
  const svc = run.resources.find((r) => r.type === "gcp:cloudrunv2/service:Service")!;
  const envs: { name: string; value?: string }[] = svc.inputs.template.containers[0].envs;
  return Object.fromEntries(envs.filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]));
}

/** A GET with the Host header a client of the run.app URL sends. */
function getWithHost(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", headers: { host, "content-type": "application/json", accept: "application/json, text/event-stream", "x-api-key": KEY } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }));
  });
}

describe("the server as Cloud Run runs it (gcp-cloud-run stack env, PORT from the platform, HOST=0.0.0.0)", function () {
  this.timeout(60_000);
  let fake: FakeEstat;
  let s3: TestS3;
  let stack: Record<string, string>;
  let srv: Spawned | undefined;
  let port: number;
  let base: string;

  before(async () => {
    fake = await new FakeEstat({ appId: "cloudrun-app-id-0123456789" }).listen();
    s3 = await startS3("gcs-lake");
    stack = await stackEnv();
  });
  after(async () => {
    if (srv && srv.child.exitCode === null) srv.child.kill("SIGKILL");
    await s3.stop();
    await fake.close();
  });

  /** The stack's env with what only the platform and the test can supply: PORT, secrets, and the two fakes. */
  async function start(): Promise<Spawned> {
    port = await freePort();
    const env = {
      ...stack,
      PORT: String(port),
      // Secret Manager's values (names as the stack injects them).
      ESTAT_APP_ID: fake.appId,
      MCP_API_KEYS: KEY,
      S3_ACCESS_KEY_ID: HMAC.accessId,
      S3_SECRET_ACCESS_KEY: HMAC.secret,
      // The two fakes stand in for storage.googleapis.com and e-Stat; the bucket is s3rver's.
      S3_ENDPOINT: s3.endpoint,
      DATA_LAKE: `s3://${s3.bucket}`,
      ESTAT_API_URL: fake.url,
      // The test reaches the instance directly, not through Cloud Run's front end with the run.app Host.
      ALLOWED_HOSTS: `${stack.ALLOWED_HOSTS},127.0.0.1`,
      ESTAT_RETRIES: "0",
    };
    const s = await spawnServer(env);
    base = `http://127.0.0.1:${port}`;
    return s;
  }

  it("takes the stack's lake settings as Cloud Storage needs them", () => {
    assert.equal(stack.HOST, "0.0.0.0");
    assert.equal(stack.PORT, undefined, "PORT is Cloud Run's to set");
    assert.equal(stack.S3_ENDPOINT, "https://storage.googleapis.com");
    assert.equal(stack.AWS_REGION, "auto");
    assert.equal(stack.S3_FORCE_PATH_STYLE, "true");
    assert.equal(stack.SHUTDOWN_GRACE_MS, "5000");
  });

  it("listens on 0.0.0.0 at the platform's PORT, answers /healthz and MCP, and accepts the run.app Host", async () => {
    srv = await start();
    const listening = JSON.parse(srv.stdout.find((l) => l.includes('"event":"listening"'))!);
    assert.equal(listening.url, `http://0.0.0.0:${port}/mcp`);
    const h = await fetch(`${base}/healthz`);
    assert.equal(h.status, 200);
    assert.equal(await getWithHost(port, "/mcp", stack.ALLOWED_HOSTS), 200);
    assert.equal(await getWithHost(port, "/mcp", "evil.example.com"), 403);
    const client = new Client({ name: "cloud-run-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { "x-api-key": KEY } } }));
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === "save_dataset"));
    } finally {
      await client.close();
    }
  });

  it("saves, lists, queries and links a dataset in the S3-compatible lake with the HMAC key", async () => {
    const client = new Client({ name: "cloud-run-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { "x-api-key": KEY } } }));
    try {
      const save = await client.callTool({ name: "save_dataset", arguments: { statsDataId: "0003445078", filters: { area: "13000" } } });
      assert.equal(save.isError, undefined, text(save));
      const { datasetId } = save.structuredContent as { datasetId: string };
      const list = await client.callTool({ name: "list_datasets", arguments: {} });
      assert.equal(list.isError, undefined, text(list));
      assert.deepEqual(
        (list.structuredContent as { datasets: { datasetId: string }[] }).datasets.map((d) => d.datasetId),
        [datasetId],
      );
      const q = await client.callTool({ name: "query_dataset", arguments: { datasetId, limit: 5 } });
      assert.equal(q.isError, undefined, text(q));
      const rows = (q.structuredContent as { rows: Record<string, unknown>[] }).rows;
      assert.ok(rows.length > 0 && rows.every((r) => r.area === "13000"), JSON.stringify(rows));
      const link = await client.callTool({ name: "get_download_url", arguments: { datasetId } });
      assert.equal(link.isError, undefined, text(link));
      const url = new URL((link.structuredContent as { url: string }).url);
      assert.equal(url.origin, s3.endpoint, "path-style URL on the endpoint");
      assert.ok(url.pathname.startsWith(`/${s3.bucket}/`), url.pathname);
      assert.equal(url.searchParams.get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
      assert.match(url.searchParams.get("X-Amz-Credential") ?? "", new RegExp(`^${HMAC.accessId}/\\d{8}/auto/s3/aws4_request$`));
      const file = await fetch(url);
      assert.equal(file.status, 200);
      assert.ok((await file.arrayBuffer()).byteLength > 0);
      assert.equal(srv!.stdout.filter((l) => l.includes(HMAC.secret) || l.includes(KEY) || l.includes(fake.appId)).length, 0);
    } finally {
      await client.close();
    }
  });

  it("on SIGTERM finishes the call in flight and exits 0 within Cloud Run's 10 s", async () => {
    fake.on("getStatsList", () => ({ delayMs: 2000 }));
    const pending = fetch(`${base}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "x-api-key": KEY },
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "search_stats", arguments: { query: "人口" } } }),
    });
    await until(() => fake.callsTo("getStatsList").length === 1);
    const sigterm = performance.now();
    srv!.child.kill("SIGTERM");
    const res = await pending;
    assert.equal(res.status, 200);
    const body = await res.text();
    const data = body.split("\n").filter((l) => l.startsWith("data:"));
    const answer = JSON.parse(data.length ? data.at(-1)!.slice(5) : body) as { id: number; result?: { isError?: boolean } };
    assert.equal(answer.id, 7);
    assert.ok(answer.result && !answer.result.isError, body.slice(0, 500));
    const answered = performance.now();
    const { code, at } = await srv!.exit;
    assert.equal(code, 0);
    assert.ok(answered - sigterm >= 1500, "the call was in flight when SIGTERM came");
    assert.ok(at - sigterm < 10_000, `exited ${(at - sigterm).toFixed(0)} ms after SIGTERM`);
    fake.reset();
  });
});

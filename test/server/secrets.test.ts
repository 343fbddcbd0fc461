import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/client";
import { FakeEstat } from "../helpers/fake-estat.ts";
import { leaks } from "../helpers/secrets-hook.ts";
import { connect, exposures, type Running, rawRequest, rpc, startServer } from "../helpers/server.ts";

const APP_ID = "SECRET-appid-7f3a9c2e51d04b88";
const REJECTED_APP_ID = "SECRET-rejected-appid-c0ffee1234";
const K1 = "SECRET-key-one-aaaaaaaaaaaaaaaa";
const K2 = "SECRET-key-two-bbbbbbbbbbbbbbbb";
const WRONG = "SECRET-wrong-key-cccccccccccccc";
const SECRETS = [APP_ID, REJECTED_APP_ID, K1, K2, WRONG];

const CALLS: [string, Record<string, unknown>][] = [
  ["search_stats", { query: "男女別人口", surveyYears: "2020" }],
  ["search_stats", { query: "該当なし" }],
  ["get_meta_info", { statsDataId: "0003445078" }],
  ["get_meta_info", { statsDataId: "9999999999" }],
  ["get_stats_data", { statsDataId: "0003445078", filters: { area: "東京都" } }],
  ["get_stats_data", { statsDataId: "0003445078", filters: { area: "アトランティス" } }],
  ["get_data_catalog", { query: "家計" }],
  ["get_table_url", { statsDataId: "0003445078" }],
  ["save_dataset", { statsDataId: "0000020202" }],
  ["list_datasets", {}],
  ["query_dataset", { datasetId: "0000020202/all", limit: 5 }],
  ["get_download_url", { datasetId: "0000020202/all" }],
];

describe("secrets (appId, API keys) never reach a log line or a response", () => {
  let fake: FakeEstat;
  let srv: Running;
  let rejected: Running;
  let dir: string;
  const bodies: string[] = [];

  before(async () => {
    fake = await new FakeEstat({ appId: APP_ID }).listen();
    dir = await mkdtemp(join(tmpdir(), "secrets-lake-"));
    const env = {
      ESTAT_API_URL: fake.url,
      MCP_API_KEYS: `${K1},${K2}`,
      RATE_LIMIT_PER_MINUTE: "0",
      ESTAT_RETRIES: "0",
      DATA_LAKE: `file://${dir}`,
    };
    srv = await startServer({ ...env, ESTAT_APP_ID: APP_ID });
    // The fake rejects any other appId the way e-Stat's firewall does: HTTP 403 and a non-JSON body.
    rejected = await startServer({ ...env, ESTAT_APP_ID: REJECTED_APP_ID });
  });
  after(async () => {
    await srv.close();
    await rejected.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function everyTool(client: Client) {
    for (const [name, args] of CALLS) {
      const r = await client.callTool({ name, arguments: args });
      bodies.push(JSON.stringify(r));
    }
  }

  it("runs every tool in both eras, the REST face and the error paths", async () => {
    for (const [base, key] of [
      [srv.base, K1],
      [rejected.base, K2],
    ]) {
      const modern = await connect(base, "modern", { authorization: `Bearer ${key}` });
      await everyTool(modern);
      await modern.close();
      const legacy = await connect(base, "legacy", { "x-api-key": key });
      await everyTool(legacy);
      await legacy.close();
      for (const [name, args] of CALLS) {
        const res = await fetch(`${base}/execute`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": key },
          body: JSON.stringify({ tool_name: name, arguments: args }),
        });
        bodies.push(await res.text());
      }
      bodies.push(await (await fetch(`${base}/tools`, { headers: { authorization: `Bearer ${key}` } })).text());
      bodies.push(await (await fetch(`${base}/readyz`)).text());
      // Unauthorized and malformed requests.
      const unauthorized: Record<string, string>[] = [{}, { authorization: `Bearer ${WRONG}` }, { "x-api-key": WRONG }];
      for (const headers of unauthorized) {
        bodies.push((await rpc(base, { jsonrpc: "2.0", id: 1, method: "tools/list" }, headers)).text);
      }
      bodies.push((await rpc(base, "{not json", { authorization: `Bearer ${key}` })).text);
      bodies.push(
        (await rawRequest(base, { path: "/nowhere", method: "GET", headers: { "x-api-key": key } })).text,
      );
    }
    const rejectedAnswer = bodies.find((b) => b.includes("e-Stat rejected the application ID"));
    assert.ok(rejectedAnswer, "the rejected appId was exercised");
    assert.ok(fake.calls.some((c) => c.params.appId === REJECTED_APP_ID), "the rejected appId reached e-Stat");
  });

  it("finds no secret in any response body the clients saw", () => {
    assert.equal(bodies.length, 2 * (CALLS.length * 3 + 7));
    for (const secret of SECRETS) {
      assert.deepEqual(
        bodies.filter((b) => b.includes(secret)),
        [],
        secret,
      );
    }
  });

  it("finds no secret in any log line or raw response body of either server", () => {
    for (const s of [srv, rejected]) {
      assert.ok(s.logs.length >= 50, `${s.logs.length} log lines`);
      for (const secret of SECRETS) assert.deepEqual(s.logs.filter((l) => l.includes(secret)), [], secret);
    }
    const mine = exposures.filter((e) => e.logs === srv.logs || e.logs === rejected.logs);
    assert.equal(mine.length, 2);
    for (const e of mine) {
      assert.ok(e.responses.length >= 40, `${e.responses.length} responses recorded`);
      for (const secret of SECRETS) assert.deepEqual(e.responses.filter((r) => r.includes(secret)), [], secret);
    }
    // Request lines name the key by its id only.
    assert.ok(srv.logs.some((l) => /"keyId":"key_[0-9a-f]{8}"/.test(l)));
  });

  it("never needed the last-resort scrubber: no secret reached the logger at all", () => {
    // createLogger replaces configured secrets with [REDACTED] as a safety net; pino's path redaction
    // uses the same marker. Neither should have had anything to do.
    for (const s of [srv, rejected]) assert.deepEqual(s.logs.filter((l) => l.includes("[REDACTED]")), []);
  });

  it("has a suite-wide check that does fail on a leak (the root hook's leaks())", () => {
    exposures.push({ secrets: [APP_ID], logs: [`{"msg":"appId=${APP_ID}"}`], responses: [] });
    try {
      assert.equal(leaks().length, 1);
    } finally {
      exposures.pop();
    }
    assert.deepEqual(leaks(), []);
  });
});

import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { FakeEstat } from "../helpers/fake-estat.ts";
import { modernToolCall } from "../helpers/mcp-wire.ts";
import { useServer } from "../helpers/server.ts";
import { type Spawned, spawnServer, until } from "../helpers/spawn.ts";

const KEY = "shutdown-key-0123456789abcdef";

function slowCall(base: string) {
  return fetch(`${base}/mcp`, modernToolCall("search_stats", { query: "人口" }, { headers: { authorization: `Bearer ${KEY}` } }));
}

/** A GET on a new connection (no keep-alive pool): refused once the server has stopped listening. */
function freshGet(base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

/** The last JSON-RPC message of an answer, whether plain JSON or an SSE stream. */
function lastMessage(text: string): unknown {
  const data = text.split("\n").filter((l) => l.startsWith("data:"));
  return JSON.parse(data.length > 0 ? data.at(-1)!.slice(5) : text);
}

describe("graceful shutdown (SIGTERM on node server/main.ts)", function () {
  this.timeout(20_000);
  let fake: FakeEstat;
  let srv: Spawned | undefined;
  before(async () => {
    fake = await new FakeEstat({ appId: "shutdown-app-id-0123456789" }).listen();
  });
  after(() => fake.close());
  beforeEach(() => fake.reset());
  afterEach(() => {
    if (srv && srv.child.exitCode === null) srv.child.kill("SIGKILL");
  });

  const env = (graceMs: number) => ({
    ESTAT_API_URL: fake.url,
    ESTAT_APP_ID: fake.appId,
    MCP_API_KEYS: KEY,
    SHUTDOWN_GRACE_MS: String(graceMs),
    STREAM_AFTER_MS: "60000",
    ESTAT_RETRIES: "0",
  });

  it("finishes the call in flight, refuses new connections, and exits 0 within the grace period", async () => {
    fake.on("getStatsList", () => ({ delayMs: 1500 }));
    srv = await spawnServer(env(10_000));
    assert.equal(await freshGet(srv.base, "/readyz"), 200);
    const pending = slowCall(srv.base);
    await until(() => fake.callsTo("getStatsList").length === 1);
    const sigterm = performance.now();
    srv.child.kill("SIGTERM");
    await until(() => srv!.stdout.some((l) => l.includes('"event":"shutdown"')));

    // Draining: the listener is closed, so a new connection (what a health check opens) is refused.
    await assert.rejects(freshGet(srv.base, "/readyz"), { code: "ECONNREFUSED" });

    const res = await pending;
    assert.equal(res.status, 200);
    const answer = lastMessage(await res.text()) as { id: number; result: { structuredContent: { total: number } } };
    assert.equal(answer.id, 1);
    assert.equal(answer.result.structuredContent.total, 55);
    const finished = performance.now();

    const { code, signal, at } = await srv.exit;
    assert.equal(code, 0);
    assert.equal(signal, null);
    assert.ok(finished - sigterm >= 1000, "the call was really in flight when SIGTERM came");
    assert.ok(at - sigterm < 10_000, `exited ${(at - sigterm).toFixed(0)} ms after SIGTERM (grace 10 s)`);
    assert.ok(srv.stdout.some((l) => l.includes('"event":"stopped"')), "logs that it stopped");
    assert.equal(srv.stdout.filter((l) => l.includes(KEY) || l.includes(fake.appId)).length, 0);
  });

  // Regression: an idle keep-alive socket (an ALB keeps them for 60-120 s) used to hold the process until
  // the grace period ended; main.ts now closes connections that turn idle while draining.
  it("exits soon after the last answer even when the client keeps its connection alive", async () => {
    fake.on("getStatsList", () => ({ delayMs: 1000 }));
    srv = await spawnServer(env(8000));
    const agent = new Agent({ keepAlive: true });
    const answered = new Promise<number>((resolve, reject) => {
      const req = request(
        `${srv!.base}/mcp`,
        {
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            authorization: `Bearer ${KEY}`,
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(performance.now()));
        },
      );
      req.on("error", reject);
      req.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "search_stats", arguments: { query: "人口" } } }));
    });
    await until(() => fake.callsTo("getStatsList").length === 1);
    srv.child.kill("SIGTERM");
    const finished = await answered;
    const { code, at } = await srv.exit;
    agent.destroy();
    assert.equal(code, 0);
    assert.ok(at - finished < 1000, `exited ${(at - finished).toFixed(0)} ms after the last answer`);
  });

  it("exits 0 once SHUTDOWN_GRACE_MS has passed, even if a call is still running", async () => {
    fake.on("getStatsList", () => ({ delayMs: 8000 }));
    srv = await spawnServer(env(500));
    // The stream's headers come at once (server/http/routes/mcp.ts): a cut shows as the body failing.
    const pending = slowCall(srv.base)
      .then(async (r) => ({ status: r.status, text: await r.text() }))
      .then(
        (r) => ({ ok: true as const, ...r }),
        (err: Error) => ({ ok: false as const, err }),
      );
    await until(() => fake.callsTo("getStatsList").length === 1);
    const sigterm = performance.now();
    srv.child.kill("SIGTERM");
    const { code, at } = await srv.exit;
    assert.equal(code, 0);
    const waited = at - sigterm;
    assert.ok(waited >= 450 && waited < 3000, `exited ${waited.toFixed(0)} ms after SIGTERM (grace 500 ms)`);
    const outcome = await pending;
    assert.equal(outcome.ok, false, "the unfinished call was cut off, not answered");
    assert.ok(srv.stdout.some((l) => l.includes('"event":"shutdown_forced"')), "logs the forced close");
  });
});

describe("readiness while draining (/readyz)", () => {
  const s = useServer({ estat: false, env: { ESTAT_APP_ID: "draining-app-id-000000" } });

  it("answers 503 once shutdown has begun, while /healthz stays 200", async () => {
    assert.equal((await fetch(`${s.srv.base}/readyz`)).status, 200);
    s.srv.handle.setDraining();
    const res = await fetch(`${s.srv.base}/readyz`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { status: string; checks: Record<string, string> };
    assert.equal(body.status, "not ready");
    assert.equal(body.checks.server, "shutting down");
    assert.equal((await fetch(`${s.srv.base}/healthz`)).status, 200);
  });
});

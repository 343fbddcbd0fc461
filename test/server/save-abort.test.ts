/**
 * Regression (issue 9, crash 1): a multi-page save_dataset cancelled by its client (on /execute or /mcp,
 * either protocol era) or by its deadline (TOOL_TIMEOUT_MS) killed the process with an unhandled
 * rejection and left a `.staging/save-*` directory. Here the real `node server/main.ts` is cancelled at
 * many points across a 6-page save; after each, the process must still answer /healthz, have logged no
 * unhandled rejection, and the lake must hold no staging files and no file outside a committed version.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { Client } from "@modelcontextprotocol/client";
import { SyntheticTable } from "../helpers/estat-table.ts";
import { FakeEstat, type Handler } from "../helpers/fake-estat.ts";
import { connect, type Era, text } from "../helpers/server.ts";
import { type Spawned, spawnServer, until } from "../helpers/spawn.ts";

const KEY = "abort-key-0123456789abcdef";
const auth = { authorization: `Bearer ${KEY}` };
const table = new SyntheticTable({ rows: 3_000, pageSize: 500, statsDataId: "0000003000" });
const args = { statsDataId: table.statsDataId, formats: ["parquet", "csv"], refresh: true };

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** Files in a staging directory, or one being removed while we look. */
function busy(staging: string): boolean {
  try {
    return files(staging).length > 0;
  } catch {
    return true;
  }
}

/** Files of the lake that no manifest references (its files, raw pages and retired versions). */
function unreferenced(dir: string): string[] {
  const all = files(dir).filter((f) => !f.startsWith(".staging/"));
  const referenced = new Set<string>();
  for (const f of all.filter((x) => x.endsWith("/manifest.json"))) {
    const m = JSON.parse(readFileSync(join(dir, f), "utf8"));
    referenced.add(f);
    for (const file of m.files) referenced.add(file.key);
    for (let p = 1; p <= m.raw.pages; p++) referenced.add(`${m.raw.prefix}/page-${p}.json.gz`);
    // Replaced versions waiting out LAKE_RETIRE_GRACE_SECONDS are owned too, and deleted after it.
    for (const r of m.retired ?? []) for (const k of r.keys) referenced.add(k);
  }
  return all.filter((f) => !referenced.has(f));
}

async function healthy(srv: Spawned) {
  assert.equal(srv.child.exitCode, null, "the server process exited");
  const r = await fetch(`${srv.base}/healthz`);
  assert.equal(r.status, 200);
}

/**
 * Waits until no save is running: no staging file and no new e-Stat call for 200 ms. A cancelled call's
 * work can outlive its client (a 2025-era cancel notification reaches a stateless server as a separate
 * request), and two saves at once are another test's subject.
 */
async function quiet(dir: string, fake: FakeEstat, what: string) {
  let since = performance.now();
  let calls = fake.calls.length;
  await until(
    () => {
      if (busy(join(dir, ".staging")) || fake.calls.length !== calls) {
        since = performance.now();
        calls = fake.calls.length;
      }
      return performance.now() - since > 200;
    },
    10_000,
    `no save running after ${what}`,
  );
}

async function settled(srv: Spawned, dir: string, fake: FakeEstat, what: string) {
  await healthy(srv);
  await quiet(dir, fake, what);
  assert.deepEqual(unreferenced(dir), [], what);
  assert.deepEqual(
    srv.stdout.filter((l) => l.includes('"unhandled_rejection"')),
    [],
    `unhandled rejections after ${what}`,
  );
}

/**
 * For a block: a fake e-Stat serving the table (each getStatsData page answered by `page`), a lake in a
 * new folder named with `lakePrefix`, and `node server/main.ts` on both with `env`; killed and removed after.
 */
function useSpawned(lakePrefix: string, page: Handler, env: Record<string, string> = {}) {
  const up = {} as { fake: FakeEstat; dir: string; srv: Spawned };
  before(async () => {
    up.fake = await new FakeEstat().listen();
    up.fake.addSynthetic(table);
    up.fake.on("getStatsData", page);
    up.dir = mkdtempSync(join(tmpdir(), lakePrefix));
    up.srv = await spawnServer({
      ESTAT_API_URL: up.fake.url,
      ESTAT_APP_ID: up.fake.appId,
      DATA_LAKE: `file://${up.dir}`,
      MCP_API_KEYS: KEY,
      RATE_LIMIT_PER_MINUTE: "0",
      ...env,
    });
  });
  after(async () => {
    up.srv?.child.kill("SIGKILL");
    await up.fake?.close();
    if (up.dir) rmSync(up.dir, { recursive: true, force: true });
  });
  return up;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("save_dataset cancelled mid-save (node server/main.ts)", function () {
  this.timeout(180_000);
  // Each page a little late, so that a save spans ~100 ms and the aborts land inside it.
  const s = useSpawned("lake-abort-", () => ({ delayMs: 10 }));

  const delays = Array.from({ length: 14 }, (_, i) => i * 12);

  it("survives a client that goes away from POST /execute at any point", async () => {
    for (const ms of delays) {
      const ac = new AbortController();
      const call = fetch(`${s.srv.base}/execute`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ tool_name: "save_dataset", arguments: args }),
        signal: ac.signal,
      }).then((r) => r.text());
      await sleep(ms);
      ac.abort();
      await call.catch(() => "aborted");
      await settled(s.srv, s.dir, s.fake, `/execute aborted after ${ms} ms`);
    }
  });

  for (const era of ["modern", "legacy"] as Era[]) {
    it(`survives an MCP client (${era} era) that cancels at any point`, async () => {
      const client: Client = await connect(s.srv.base, era, auth);
      try {
        for (const ms of delays) {
          const ac = new AbortController();
          const call = client.callTool({ name: "save_dataset", arguments: args }, { signal: ac.signal });
          await sleep(ms);
          ac.abort();
          await call.catch(() => "aborted");
          await settled(s.srv, s.dir, s.fake, `/mcp (${era}) cancelled after ${ms} ms`);
        }
      } finally {
        await client.close();
      }
    });
  }

  it("logs the cancelled saves as 'cancelled; nothing was saved'", () => {
    const cancelled = s.srv.stdout.filter((l) =>
      l.includes(`Saving ${table.statsDataId}/all was cancelled; nothing was saved.`),
    );
    assert.ok(cancelled.length >= 3, `only ${cancelled.length} saves were cancelled inside the lake`);
  });

  it("logs every cancelled call as a cancellation (info, tool_cancelled), never as a tool crash or failure", () => {
    const crashes = s.srv.stdout.filter((l) => l.includes('"event":"tool_error"'));
    assert.deepEqual(crashes.map((l) => l.slice(0, 300)), []);
    assert.ok(s.srv.stdout.some((l) => l.includes('"event":"tool_cancelled"') && l.includes('"level":"info"')));
  });
});

describe("save_dataset cut by its deadline (TOOL_TIMEOUT_MS, node server/main.ts)", function () {
  this.timeout(180_000);
  let pageDelay = 0;
  const s = useSpawned("lake-deadline-", () => ({ delayMs: pageDelay }), { TOOL_TIMEOUT_MS: "150" });

  it("answers a timeout and keeps serving wherever in the save the deadline falls", async () => {
    const client = await connect(s.srv.base, "modern", auth);
    let timedOut = 0;
    try {
      // Slower pages move the deadline earlier in the save: from after the last page to the first.
      for (pageDelay = 0; pageDelay <= 60; pageDelay += 4) {
        const r = await client.callTool({ name: "save_dataset", arguments: args });
        if (r.isError) {
          assert.match(text(r), /^save_dataset did not finish within/);
          timedOut++;
        }
        await settled(s.srv, s.dir, s.fake, `a deadline with pages ${pageDelay} ms late`);
      }
    } finally {
      await client.close();
    }
    assert.ok(timedOut >= 8, `only ${timedOut} of 16 saves reached the deadline`);
  });
});

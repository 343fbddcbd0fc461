/**
 * npm run bench: throughput of /mcp against a bare node:http JSON-RPC responder, and cold start.
 * Client (autocannon) and servers share this machine: read the ratios, not the absolute numbers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { freePort, modernRequest } from "../test/helpers/mcp-wire.ts";

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;


function serverEnv(port: number) {
  // The rate limiter stays on (it is on the hot path), with a budget the benchmark cannot exhaust.
  return {
    ...process.env,
    HOST: "127.0.0.1",
    PORT: String(port),
    LOG_LEVEL: "silent",
    ESTAT_APP_ID: "bench-app-id",
    RATE_LIMIT_PER_MINUTE: "1000000000",
  };
}

async function waitFor(url: string, init: RequestInit, deadlineMs = 20_000): Promise<void> {
  const until = performance.now() + deadlineMs;
  for (;;) {
    try {
      const res = await fetch(url, init);
      if (res.ok) {
        await res.text();
        return;
      }
    } catch {}
    if (performance.now() > until) throw new Error(`${url} did not answer`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function rpcInit(method: string, params: Record<string, unknown> = {}, name?: string): RequestInit {
  return modernRequest(method, params, { name, client: "bench" });
}

function spawnNode(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "inherit"] });
}

async function load(url: string, init: RequestInit, duration = DURATION) {
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    method: "POST",
    headers: init.headers as Record<string, string>,
    body: init.body as string,
  });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

async function coldStart(args: (port: number) => string[], url: string, init: RequestInit, runs = 5) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const started = performance.now();
    const child = spawnNode(args(port), serverEnv(port));
    await waitFor(url.replace("PORT", String(port)), init);
    times.push(performance.now() - started);
    child.kill("SIGKILL");
    await once(child, "exit");
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const fmt = (x: number) => x.toFixed(0).padStart(7);

async function answer(url: string, init: RequestInit): Promise<string> {
  const res = await fetch(url, init);
  return JSON.stringify(((await res.json()) as { result: unknown }).result);
}

/** A 2025-era request (no initialize: the server is stateless in both eras). */
function legacyInit(method: string, params: Record<string, unknown> = {}): RequestInit {
  return {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-06-18",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  };
}

const BENCH_KEY = "benchKey0123456789abcdefghijklmnop";
const withKey = (init: RequestInit): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string>), "x-api-key": BENCH_KEY },
});

/**
 * The deployed configuration: the bundle the image runs (dist/server/main.mjs, from `npm run build`),
 * an API key required and checked, request logs at info, the rate limiter on. Compared with the SDK's
 * handler alone in each protocol era. The log goes to a file, as a container runtime's log driver
 * writes it: a pipe read by this process would take CPU from the load generator on the same cores,
 * which no deployed server's log reader does. The count of lines written shows the logs were on.
 */
async function deployed() {
  const { existsSync, openSync, closeSync, readFileSync } = await import("node:fs");
  const entry = existsSync("dist/server/main.mjs") ? "dist/server/main.mjs" : "server/main.ts";
  const port = await freePort();
  const logFile = join(mkdtempSync(join(tmpdir(), "bench-log-")), "server.log");
  const logFd = openSync(logFile, "w");
  const server = spawn(process.execPath, [entry], {
    env: { ...serverEnv(port), LOG_LEVEL: "info", MCP_API_KEYS: BENCH_KEY },
    stdio: ["ignore", logFd, "inherit"],
  });
  closeSync(logFd);
  const floorPort = await freePort();
  const floor = spawnNode(["bench/sdk-floor.ts", String(floorPort)], serverEnv(floorPort));
  // The parts alone (bench/parts-app.ts): Koa, one info log line per request to a file, the SDK's handler.
  const partsPort = await freePort();
  const partsFd = openSync(`${logFile}.parts`, "w");
  const parts = spawn(process.execPath, ["bench/parts-floor.ts"], { env: { ...serverEnv(partsPort), LOG_LEVEL: "info" }, stdio: ["ignore", partsFd, "inherit"] });
  closeSync(partsFd);
  try {
    const url = `http://127.0.0.1:${port}/mcp`;
    const floorUrl = `http://127.0.0.1:${floorPort}/mcp`;
    const partsUrl = `http://127.0.0.1:${partsPort}/mcp`;
    const cases: [string, RequestInit][] = [
      ["tools/list, 2026-07-28", rpcInit("tools/list")],
      ["tools/call, 2026-07-28", rpcInit("tools/call", { name: "get_table_url", arguments: { statsDataId: "0003445078" } }, "get_table_url")],
      ["tools/list, 2025-06-18", legacyInit("tools/list")],
      ["tools/call, 2025-06-18", legacyInit("tools/call", { name: "get_table_url", arguments: { statsDataId: "0003445078" } })],
    ];
    await waitFor(url, withKey(cases[0][1]));
    await waitFor(floorUrl, cases[0][1]);
    await waitFor(partsUrl, cases[0][1]);
    console.log(`\ndeployed configuration (${entry}, API key, info logs, rate limiter) against the SDK's handler alone`);
    console.log("and the parts alone (bench/parts-app.ts: Koa, an info log line per request, the SDK's handler; no auth, limits or checks)");
    // Rounds alternate the two servers, so a drift of the machine (another process, the clock) falls on
    // both; the ratio is the median of the rounds' ratios (BENCH_ROUNDS, default 3).
    const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
    console.log(`${rounds} alternating rounds of ${DURATION} s each; ratio = median of the rounds' deployed/SDK-alone ratios (target ≥ 0.90)`);
    console.log("case                                    deployed req/s  SDK alone req/s   ratio  (rounds)            deployed p99 ms   parts/SDK alone");
    for (const [label, init] of cases) {
      await load(url, withKey(init), 2);
      await load(floorUrl, init, 2);
      await load(partsUrl, init, 2);
      const ratios: number[] = [];
      const partsRatios: number[] = [];
      const ds: Awaited<ReturnType<typeof load>>[] = [];
      const fs: Awaited<ReturnType<typeof load>>[] = [];
      for (let r = 0; r < rounds; r++) {
        ds.push(await load(url, withKey(init)));
        fs.push(await load(floorUrl, init));
        ratios.push(ds[r].rps / fs[r].rps);
        partsRatios.push((await load(partsUrl, init)).rps / fs[r].rps);
      }
      const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const each = ratios.map((x) => x.toFixed(2)).join(" ");
      console.log(
        `${label.padEnd(40)}${fmt(mid(ds.map((d) => d.rps)))}        ${fmt(mid(fs.map((f) => f.rps)))}      ${mid(ratios).toFixed(2)}  (${each})`.padEnd(100) +
          fmt(mid(ds.map((d) => d.p99))).padEnd(18) +
          `${mid(partsRatios).toFixed(2)} (${partsRatios.map((x) => x.toFixed(2)).join(" ")})`,
      );
    }
  } finally {
    server.kill();
    floor.kill();
    parts.kill();
  }
  await once(server, "exit");
  const lines = readFileSync(logFile, "utf8").split("\n").filter((l) => l.includes('"event":"request"')).length;
  console.log(`deployed server's request log: ${lines} lines written (${logFile})`);
}

async function main() {
  const mcpPort = await freePort();
  const mcp = spawnNode(["server/main.ts"], serverEnv(mcpPort));
  const bares: ChildProcess[] = [];
  try {
    const list = rpcInit("tools/list");
    const call = rpcInit(
      "tools/call",
      { name: "get_table_url", arguments: { statsDataId: "0003445078" } },
      "get_table_url",
    );
    const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
    await waitFor(mcpUrl, list);
    // Two baselines: one sends the very bytes /mcp sends for each request, one an empty result.
    const dir = mkdtempSync(join(tmpdir(), "bench-"));
    const bareFor = async (result?: string) => {
      const port = await freePort();
      const file = join(dir, `${port}.json`);
      if (result) writeFileSync(file, result);
      bares.push(
        spawnNode(["bench/bare-responder.ts", String(port), ...(result ? [file] : [])], serverEnv(port)),
      );
      const url = `http://127.0.0.1:${port}/`;
      await waitFor(url, list);
      return url;
    };
    const bareList = await bareFor(await answer(mcpUrl, list));
    const bareCall = await bareFor(await answer(mcpUrl, call));
    const bareEmpty = await bareFor();
    const floorPort = await freePort();
    bares.push(spawnNode(["bench/sdk-floor.ts", String(floorPort)], serverEnv(floorPort)));
    const floorUrl = `http://127.0.0.1:${floorPort}/mcp`;
    await waitFor(floorUrl, list);
    const naivePort = await freePort();
    bares.push(spawnNode(["bench/sdk-floor.ts", String(naivePort), "naive"], serverEnv(naivePort)));
    const naiveUrl = `http://127.0.0.1:${naivePort}/mcp`;
    await waitFor(naiveUrl, list);
    // Warm up the JIT before measuring.
    await load(mcpUrl, list, 2);
    await load(mcpUrl, call, 2);
    const bl = await load(bareList, list);
    const l = await load(mcpUrl, list);
    const bc = await load(bareCall, call);
    const c = await load(mcpUrl, call);
    const be = await load(bareEmpty, list);
    await load(floorUrl, call, 2);
    const fl = await load(floorUrl, list);
    const fc = await load(floorUrl, call);
    await load(naiveUrl, call, 2);
    const nl = await load(naiveUrl, list);
    const nc = await load(naiveUrl, call);
    console.log(`autocannon -c ${CONNECTIONS} -d ${DURATION}s, 2026-07-28 requests, node ${process.version}`);
    console.log("target                                  req/s   p50 ms  p99 ms   ratio");
    const row = (name: string, r: { rps: number; p50: number; p99: number }, base?: { rps: number }) =>
      console.log(
        `${name.padEnd(36)}${fmt(r.rps)} ${fmt(r.p50)} ${fmt(r.p99)}   ${base ? (r.rps / base.rps).toFixed(2) : "1.00"}`,
      );
    row("bare responder, tools/list bytes", bl);
    row("/mcp tools/list", l, bl);
    row("bare responder, tools/call bytes", bc);
    row("/mcp tools/call get_table_url", c, bc);
    row("bare responder, empty result", be);
    row("SDK handler alone, tools/list", fl, bl);
    row("SDK handler alone, tools/call", fc, bc);
    row("naive SDK server per request, list", nl, bl);
    row("naive SDK server per request, call", nc, bc);
    console.log(
      `against the empty-result responder: tools/list ${(l.rps / be.rps).toFixed(2)}, tools/call ${(c.rps / be.rps).toFixed(2)}`,
    );
  } finally {
    for (const b of bares) b.kill();
    mcp.kill();
  }
  const list = rpcInit("tools/list");
  const bareCold = await coldStart(
    (p) => ["bench/bare-responder.ts", String(p)],
    "http://127.0.0.1:PORT/",
    list,
  );
  const mcpCold = await coldStart(() => ["server/main.ts"], "http://127.0.0.1:PORT/mcp", list);
  console.log(
    `cold start (spawn → first answer, median of 5): bare ${bareCold.toFixed(0)} ms, /mcp tools/list ${mcpCold.toFixed(0)} ms, ratio ${(mcpCold / bareCold).toFixed(2)}`,
  );
}

if (process.env.BENCH_ONLY !== "deployed") await main();
await deployed();

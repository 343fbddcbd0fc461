/**
 * npm run soak: a real server process (`node --max-old-space-size=384 server/main.ts`, the heap of a
 * 512 MB task) against the fake e-Stat, in two phases of SOAK_SECONDS/2 each (default 60 s in all)
 * with SOAK_CONNECTIONS (default 50) autocannon connections of well-behaved clients sending a mix of
 * tools over /mcp (2026-07-28 requests):
 *   1. quiet: the load alone, plus one burst client that deliberately exceeds its key's rate limit;
 *   2. adversarial: the same load beside the issue-9 mix (scripts/soak-adversaries.ts): aborted
 *      saves, big group-bys on a 200,000-row dataset, JSON-RPC batches, 40 clients that never read
 *      10,000-row answers, 20 clients dribbling their headers a byte a second.
 * SOAK_ADVERSARIES (comma-separated: saves, groupbys, batches, readers, dribblers) picks a subset.
 * Reports process restarts (must be 0), non-429 errors of the well-behaved clients (must be 0), peak
 * RSS against the task's 512 MB, p99 of the well-behaved load in each phase, and RSS growth during the
 * quiet phase (under 20% from the warmed-up baseline). Not part of npm test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { Agent, fetch as undiciFetch } from "undici";
import { keyId } from "../server/auth.ts";
import { openLake } from "../server/lake/index.ts";
import { SyntheticTable } from "../test/helpers/estat-table.ts";
import { FakeEstat } from "../test/helpers/fake-estat.ts";
import { freePort, modernRequest } from "../test/helpers/mcp-wire.ts";
import { sourceOf } from "../test/server/lake/source.ts";
import { abortedSaves, batches, bigGroupBys, dribblers, show, slowReaders, type Tally, type Target } from "./soak-adversaries.ts";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const PHASE = SECONDS / 2;
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 50);
/** Which adversaries run in phase 2 (default all): saves, groupbys, batches, readers, dribblers. */
const ADVERSARIES = (process.env.SOAK_ADVERSARIES ?? "saves,groupbys,batches,readers,dribblers").split(",");
const TASK_MB = 512;
const HEAP_MB = 384;
// V8 sizes its heap during the first seconds of load; growth is measured from after that, so that it
// shows leaks rather than the heap finding its size.
const WARMUP_SECONDS = Math.min(15, PHASE / 2);
// The load spreads over many keys so that none nears the limit; the burst client and the adversaries
// own keys of their own.
const LOAD_KEYS = Array.from({ length: 200 }, (_, i) => `soak-load-key-${String(i).padStart(4, "0")}-xxxxxxxx`);
const BURST_KEY = "soak-burst-key-yyyyyyyyyyyyyyyy";
const ADVERSARY_KEYS = Array.from({ length: 8 }, (_, i) => `soak-adversary-key-${i}-zzzzzzzzzzzz`);
const PER_MINUTE = 2000;
const BURST_EXTRA = 200;
const APP_ID = "estat-app-id-0123456789abcdef";
const BIG_DATASET = new SyntheticTable({ rows: 200_000, statsDataId: "0000200000", pageSize: 100_000 });
const BIG_SAVE = new SyntheticTable({ rows: 300_000, statsDataId: "0000300000", pageSize: 100_000 });

async function memory(pid: number) {
  try {
    const s = await readFile(`/proc/${pid}/status`, "utf8");
    const mb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) / 1024;
    return { rss: mb("VmRSS"), hwm: mb("VmHWM") };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

function rpc(method: string, params: Record<string, unknown> = {}, name?: string) {
  const { headers, body } = modernRequest(method, params, { name, client: "soak" });
  return { headers, body };
}

const call = (name: string, args: Record<string, unknown>) => rpc("tools/call", { name, arguments: args }, name);

/** The well-behaved mix: tools/list and four tools, each with 20 argument variants (bounded cache keys). */
function mix() {
  const out: ReturnType<typeof rpc>[] = [];
  for (let i = 1; i <= 20; i++) {
    out.push(rpc("tools/list"));
    out.push(call("get_table_url", { statsDataId: String(3445078 + i).padStart(10, "0") }));
    out.push(call("search_stats", { query: "男女別人口", surveyYears: "2020", limit: i }));
    out.push(call("get_meta_info", { statsDataId: "0003445078", maxClasses: i }));
    out.push(call("get_stats_data", { statsDataId: "0003445078", limit: i }));
  }
  return out;
}

/** The server process, restarted (and counted) if it ever exits on its own. */
class Server {
  proc!: ChildProcess;
  restarts = 0;
  exits: string[] = [];
  peakMb = 0;
  levels = new Map<string, number>();
  leaked = 0;
  events = new Map<string, number>();
  lines: string[] = [];
  #stopping = false;
  #ready!: Promise<void>;
  readonly env: Record<string, string>;
  constructor(env: Record<string, string>) {
    this.env = env;
  }

  start() {
    let listening!: () => void;
    this.#ready = new Promise<void>((r) => {
      listening = r;
    });
    this.proc = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, "server/main.ts"], {
      env: { PATH: process.env.PATH ?? "", ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const pid = this.proc.pid!;
    const watchMem = setInterval(async () => {
      this.peakMb = Math.max(this.peakMb, (await memory(pid)).hwm);
    }, 250);
    createInterface({ input: this.proc.stdout! }).on("line", (line) => {
      const level = /"level":"(\w+)"/.exec(line)?.[1] ?? "?";
      this.levels.set(level, (this.levels.get(level) ?? 0) + 1);
      if (line.includes('"event":"listening"')) listening();
      const event = /"event":"(slow_reader_dropped|unhandled_rejection|koa_error|tool_error)"/.exec(line)?.[1];
      if (event) this.events.set(event, (this.events.get(event) ?? 0) + 1);
      if (/"level":"(error|fatal)"/.test(line) && this.lines.length < 5) this.lines.push(line.slice(0, 300));
      // Every key starts with "soak-": one search per line keeps this reader ahead of the server's output.
      if (line.includes(APP_ID) || line.includes("soak-")) this.leaked++;
    });
    let stderr = "";
    this.proc.stderr!.on("data", (c) => {
      stderr = (stderr + String(c)).slice(-2000);
    });
    this.proc.once("exit", (code, signal) => {
      clearInterval(watchMem);
      if (this.#stopping) return;
      this.restarts++;
      this.exits.push(`exit ${code ?? ""}${signal ?? ""}: ${stderr.split("\n").filter(Boolean).slice(-2).join(" | ")}`);
      this.start();
    });
    return this.#ready;
  }

  async stop() {
    this.#stopping = true;
    this.peakMb = Math.max(this.peakMb, (await memory(this.proc.pid!)).hwm);
    this.proc.kill("SIGTERM");
    await once(this.proc, "exit");
  }
}

interface Load {
  result: autocannon.Result;
  toolErrors: number;
  rpcErrors: number;
}

function load(url: string, seconds: number): Promise<Load> {
  const bodies = mix();
  let next = 0;
  let toolErrors = 0;
  let rpcErrors = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/mcp`,
        connections: CONNECTIONS,
        duration: seconds,
        method: "POST",
        requests: [
          {
            setupRequest: (req) => {
              const r = bodies[next++ % bodies.length];
              const key = LOAD_KEYS[Math.floor(Math.random() * LOAD_KEYS.length)];
              return { ...req, body: r.body, headers: { ...r.headers, authorization: `Bearer ${key}` } };
            },
            onResponse: (status, body) => {
              if (status !== 200) return;
              if (body.includes('"isError":true')) toolErrors++;
              else if (body.includes('"error":{')) rpcErrors++;
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve({ result, toolErrors, rpcErrors })),
    );
  });
}

/**
 * One client sending `amount` requests over 5 connections as fast as it can, with undici (what the MCP SDK
 * clients use), which honours `Connection: close`. autocannon does not: the server closes a connection
 * after a 429 answered before the body was read (issue 8), and autocannon wrote its next request onto
 * that closing socket and lost it, uncounted (2200 sent, ~2100 answered).
 */
async function burstOf(url: string, amount: number, headers: Record<string, string>, body: string) {
  const agent = new Agent({ connections: 5 });
  const statuses = new Map<number, number>();
  let sent = 0;
  let errors = 0;
  const worker = async () => {
    while (sent < amount) {
      sent++;
      try {
        const res = await undiciFetch(url, { method: "POST", headers, body, dispatcher: agent });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: 5 }, worker));
  await agent.close();
  return { total: sent, statuses, errors };
}

const byStatus = (r: autocannon.Result) =>
  Object.entries(r.statusCodeStats ?? {})
    .map(([s, v]) => `${s}: ${v.count}`)
    .join(", ");

/** Failures of well-behaved clients other than 429 (a 429 is the limit working, and says when to retry). */
const non429 = (l: Load) =>
  Object.entries(l.result.statusCodeStats ?? {})
    .filter(([s]) => s !== "200" && s !== "429")
    .reduce((n, [, v]) => n + (v.count ?? 0), 0) +
  l.result.errors +
  l.result.timeouts +
  l.toolErrors +
  l.rpcErrors;

const describeLoad = (name: string, l: Load) =>
  `${name}: ${l.result.requests.total} requests (${l.result.requests.average.toFixed(0)} req/s), by status {${byStatus(l.result)}}, ` +
  `connection errors ${l.result.errors}, timeouts ${l.result.timeouts}, isError ${l.toolErrors}, JSON-RPC errors ${l.rpcErrors}; ` +
  `latency p50 ${l.result.latency.p50} ms, p99 ${l.result.latency.p99} ms, max ${l.result.latency.max} ms`;

async function main() {
  const fake = await new FakeEstat({ appId: APP_ID }).listen();
  fake.addSynthetic(BIG_DATASET);
  fake.addSynthetic(BIG_SAVE);
  const lakeDir = await mkdtemp(join(tmpdir(), "lake-for-soaking-"));
  const seeded = await openLake(`file://${lakeDir}`).saveDataset(sourceOf(BIG_DATASET), { formats: ["parquet"] });
  const port = await freePort();
  const server = new Server({
    HOST: "127.0.0.1",
    PORT: String(port),
    LOG_LEVEL: "info",
    ESTAT_API_URL: fake.url,
    ESTAT_APP_ID: APP_ID,
    DATA_LAKE: `file://${lakeDir}`,
    MCP_API_KEYS: [...LOAD_KEYS, BURST_KEY, ...ADVERSARY_KEYS].join(","),
    RATE_LIMIT_PER_MINUTE: String(PER_MINUTE),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await server.start();
    const pid = server.proc.pid!;
    const idle = (await memory(pid)).rss;

    // Phase 1: the well-behaved load alone (and the burst).
    const rss: number[] = [];
    const sampler = setInterval(async () => rss.push((await memory(server.proc.pid!)).rss), 5000);
    let warm = 0;
    const warmTimer = setTimeout(async () => {
      warm = (await memory(pid)).rss;
    }, WARMUP_SECONDS * 1000);
    const quiet = load(url, PHASE);
    await new Promise((r) => setTimeout(r, Math.min(10, PHASE / 3) * 1000));
    const list = rpc("tools/list");
    const burst = await burstOf(`${url}/mcp`, PER_MINUTE + BURST_EXTRA, { ...list.headers, "x-api-key": BURST_KEY }, list.body);
    const quietResult = await quiet;
    clearTimeout(warmTimer);
    const endQuiet = (await memory(pid)).rss;
    const peakQuiet = server.peakMb;

    // Phase 2: the same load beside the adversaries.
    const target: Target = {
      base: url,
      port,
      keys: ADVERSARY_KEYS,
      bigTable: BIG_SAVE.statsDataId,
      bigDataset: seeded.datasetId,
      until: Date.now() + PHASE * 1000,
    };
    const [k0, k1, k2, k3, k4, k5, k6, k7] = ADVERSARY_KEYS;
    // Each adversary from a loopback address of its own; the well-behaved load comes from 127.0.0.1.
    const from = (n: number): Target => ({ ...target, from: `127.0.0.${n}` });
    const all: [string, string, () => Promise<Tally>][] = [
      ["saves", "aborted saves (2 loops)", () => merge([abortedSaves(from(2), k0), abortedSaves(from(2), k0)])],
      ["groupbys", "big group-bys (12 loops, 4 keys)", () => merge([k1, k2, k3, k4].flatMap((k) => [bigGroupBys(from(3), k), bigGroupBys(from(3), k), bigGroupBys(from(3), k)]))],
      ["batches", "JSON-RPC batches of 20 (2025-03-26)", () => batches(from(4), k5)],
      ["readers", "slow readers (40 clients)", () => slowReaders(from(5), k6, 40)],
      ["dribblers", "dribbling clients (20)", () => dribblers(from(6), 20)],
    ];
    const adversaries = all.filter(([id]) => ADVERSARIES.includes(id)).map(([, name, run]) => [name, run()] as const);
    void k7;
    const loud = await load(url, PHASE);
    const tallies = await Promise.all(adversaries.map(([, p]) => p));
    clearInterval(sampler);
    const end = (await memory(server.proc.pid!)).rss;
    const health = await fetch(`${url}/healthz`).then((r) => r.status, () => 0);

    const growth = ((endQuiet - warm) / warm) * 100;
    const wellErrors = non429(quietResult) + non429(loud);
    const lines = [
      `soak: ${SECONDS} s in two phases, adversaries ${ADVERSARIES.join(",")}, main ${process.env.SOAK_COMMIT ?? "?"}, ${CONNECTIONS} well-behaved connections, 2026-07-28 mix (tools/list, get_table_url, search_stats, get_meta_info, get_stats_data), node ${process.version}, server --max-old-space-size=${HEAP_MB}`,
      describeLoad("phase 1, quiet", quietResult),
      describeLoad("phase 2, beside the adversaries", loud),
      `burst (${keyId(BURST_KEY)}, limit ${PER_MINUTE}/min): ${burst.total} requests, by status {${[...burst.statuses].map(([k, n]) => `${k}: ${n}`).join(", ")}}, connection errors ${burst.errors}; expected 429s: ${BURST_EXTRA}`,
      ...adversaries.map(([name], i) => `adversary ${name}: ${show(tallies[i])}`),
      `process restarts: ${server.restarts}${server.exits.length ? ` (${server.exits.join("; ")})` : ""}; /healthz after: ${health}`,
      `well-behaved non-429 errors: ${wellErrors}`,
      `well-behaved p99: ${quietResult.result.latency.p99} ms quiet, ${loud.result.latency.p99} ms beside the adversaries`,
      `server peak RSS (VmHWM): ${peakQuiet.toFixed(0)} MB in phase 1, ${server.peakMb.toFixed(0)} MB overall, of the ${TASK_MB} MB task (${((server.peakMb / TASK_MB) * 100).toFixed(0)}%)`,
      `server RSS: idle ${idle.toFixed(1)} MB, after ${WARMUP_SECONDS} s warm-up ${warm.toFixed(1)} MB, end of phase 1 ${endQuiet.toFixed(1)} MB (growth ${growth.toFixed(1)}%), end ${end.toFixed(1)} MB (samples every 5 s: ${rss.map((x) => x.toFixed(0)).join(" ")})`,
      `server log lines by level {${[...server.levels].map(([l, n]) => `${l}: ${n}`).join(", ")}}, by event {${[...server.events].map(([l, n]) => `${l}: ${n}`).join(", ")}}, lines with a secret: ${server.leaked}`,
      ...server.lines.map((l) => `  error line: ${l}`),
    ];
    console.log(lines.join("\n"));
    const ok =
      server.restarts === 0 &&
      health === 200 &&
      wellErrors === 0 &&
      burst.errors === 0 &&
      (burst.statuses.get(429) ?? 0) === BURST_EXTRA &&
      server.leaked === 0 &&
      server.peakMb < TASK_MB &&
      growth < 20;
    console.log(ok ? "soak: PASS" : "soak: FAIL");
    process.exitCode = ok ? 0 : 1;
  } finally {
    await server.stop();
    await fake.close();
    await rm(lakeDir, { recursive: true, force: true });
  }
}

async function merge(tallies: Promise<Tally>[]): Promise<Tally> {
  const out: Tally = new Map();
  for (const t of await Promise.all(tallies)) for (const [k, n] of t) out.set(k, (out.get(k) ?? 0) + n);
  return out;
}

await main();

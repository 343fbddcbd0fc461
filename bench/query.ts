/**
 * npm run bench:query — peak memory of the server under the query_dataset adversarial mix (issue 9,
 * crash 2). A benchmark that prints figures, not a test.
 *
 * A 200,000-row dataset (every row its own area × time × cat01) is saved into a filesystem lake; then
 * `node --max-old-space-size=384 server/main.ts` (a 512 MB task's heap) serves it while CONCURRENT
 * clients (default 16, over 4 API keys) send big group-bys (groupBy area, time, cat01: 200,000 groups)
 * and full scans over /execute, ROUNDS times (default 3). Run twice: with the shipped bounds, and with
 * the bounds lifted (LAKE_QUERY_* set huge) to show what they prevent. Prints, per run: the answers by
 * outcome, whether the process survived, its peak RSS (VmHWM) against the 512 MB task, and a
 * well-behaved query's latency during the mix.
 * Options: --rows N, --concurrent N, --rounds N, --only bounded|unbounded.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openLake } from "../server/lake/index.ts";
import { SyntheticTable } from "../test/helpers/estat-table.ts";
import { freePort } from "../test/helpers/mcp-wire.ts";
import { sourceOf } from "../test/server/lake/source.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "200000" },
    concurrent: { type: "string", default: "16" },
    rounds: { type: "string", default: "3" },
    only: { type: "string" },
  },
});
const ROWS = Number(values.rows);
const CONCURRENT = Number(values.concurrent);
const ROUNDS = Number(values.rounds);
const TASK_MB = 512;
const HEAP_MB = 384;
const KEYS = Array.from({ length: 4 }, (_, i) => `bench-query-key-${i}-xxxxxxxxxxxxxxxx`);
/** The well-behaved caller's own key. */
const POLITE_KEY = "bench-query-polite-xxxxxxxxxxxxxxx";

async function status(pid: number): Promise<{ rss: number; hwm: number } | undefined> {
  try {
    const s = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) / 1024;
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    return undefined;
  }
}

async function run(label: string, dir: string, datasetId: string, env: Record<string, string>) {
  const port = await freePort();
  const server = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, "server/main.ts"], {
    env: {
      PATH: process.env.PATH,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      DATA_LAKE: `file://${dir}`,
      MCP_API_KEYS: [...KEYS, POLITE_KEY].join(","),
      RATE_LIMIT_PER_MINUTE: "0",
      TOOL_TIMEOUT_MS: "60000",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  server.stderr!.on("data", (c) => {
    stderr += String(c);
  });
  const exited = once(server, "exit").then(([code, signal]) => ({ code, signal }));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = server.pid!;
  let peak = 0;
  const sampler = setInterval(async () => {
    const s = await status(pid);
    if (s) peak = Math.max(peak, s.hwm);
  }, 100);

  const outcomes = new Map<string, number>();
  const count = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
  const execute = async (key: string, args: Record<string, unknown>) => {
    const t0 = performance.now();
    try {
      const res = await fetch(`${base}/execute`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ tool_name: "query_dataset", arguments: { datasetId, ...args } }),
      });
      const body = (await res.json()) as { success: boolean; error?: string };
      const kind = body.success
        ? "ok"
        : /more than \d+ groups/.test(body.error ?? "")
          ? "too many groups (400)"
          : /busy/.test(body.error ?? "")
            ? "busy (503)"
            : /already have/.test(body.error ?? "")
              ? "per-key (429)"
              : `other ${res.status}: ${(body.error ?? "").slice(0, 80)}`;
      return { kind, ms: performance.now() - t0 };
    } catch (err) {
      return { kind: `connection error (${(err as Error).cause ? ((err as Error).cause as Error).message : (err as Error).message})`, ms: performance.now() - t0 };
    }
  };
  const big = [
    { groupBy: ["area", "time", "cat01"], aggregate: { sum: "value", count: "*" }, orderBy: [{ column: "sum_value", desc: true }], limit: 1000 },
    { groupBy: ["areaName", "timeName", "cat01Name"], aggregate: { avg: "value" }, limit: 1000 },
    { columns: ["area", "areaName", "time", "timeName", "cat01", "cat01Name", "value", "raw"], orderBy: [{ column: "value", desc: true }], limit: 1000 },
  ];
  const polite: number[] = [];
  const t0 = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const calls = Array.from({ length: CONCURRENT }, (_, i) =>
      execute(KEYS[i % KEYS.length], big[i % big.length]).then((r) => count(r.kind)),
    );
    // A well-behaved caller with its own key, one small query at a time, beside the mix.
    const politeLoop = (async () => {
      for (let i = 0; i < 5; i++) {
        const r = await execute(POLITE_KEY, { groupBy: ["cat01"], aggregate: { count: "*" } });
        polite.push(r.ms);
        count(`polite: ${r.kind}`);
      }
    })();
    await Promise.all([...calls, politeLoop]);
  }
  const wallS = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const alive = server.exitCode === null && server.signalCode === null;
  const last = await status(pid);
  if (last) peak = Math.max(peak, last.hwm);
  server.kill("SIGTERM");
  const exit = await exited;
  polite.sort((a, b) => a - b);
  const oom = /heap out of memory|Allocation failed/.test(stderr);
  console.log(
    [
      `${label}: ${ROUNDS} rounds × ${CONCURRENT} concurrent big queries over ${KEYS.length} keys, ${ROWS} rows, --max-old-space-size=${HEAP_MB}, ${wallS.toFixed(1)} s`,
      `  answers: ${[...outcomes].map(([k, n]) => `${k}: ${n}`).join(", ")}`,
      `  process: ${alive ? "alive until SIGTERM" : `DIED (exit ${exit.code ?? ""} ${exit.signal ?? ""}${oom ? ", heap out of memory" : ""})`}`,
      `  peak RSS (VmHWM): ${peak.toFixed(0)} MB of the ${TASK_MB} MB task (${((peak / TASK_MB) * 100).toFixed(0)}%)`,
      `  well-behaved key's small group-by during the mix: p50 ${polite[Math.floor(polite.length / 2)]?.toFixed(0)} ms, max ${polite.at(-1)?.toFixed(0)} ms`,
    ].join("\n"),
  );
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), "bench-query-"));
  try {
    const table = new SyntheticTable({ rows: ROWS, statsDataId: "0000200000", pageSize: 100_000 });
    const m = await openLake(`file://${dir}`).saveDataset(sourceOf(table), { formats: ["parquet"] });
    console.log(`dataset ${m.datasetId}: ${m.rows} rows, ${m.files.find((f) => f.name === "data.parquet")!.bytes} bytes of Parquet; node ${process.version}`);
    const runs: [string, Record<string, string>][] = [
      ["bounded (shipped defaults)", {}],
      [
        "unbounded (bounds lifted)",
        { LAKE_QUERY_CONCURRENCY: "1000", LAKE_QUERY_QUEUE: "1000", LAKE_QUERY_PER_KEY: "1000", LAKE_QUERY_MAX_GROUPS: "100000000" },
      ],
    ];
    for (const [label, env] of runs) {
      if (values.only && !label.startsWith(values.only)) continue;
      await run(label, dir, m.datasetId, env);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();

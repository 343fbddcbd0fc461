/**
 * npm run soak: a real server process (`node server/main.ts`) against the fake e-Stat, under autocannon
 * for SOAK_SECONDS (default 60) with SOAK_CONNECTIONS (default 50) connections sending a mix of tools
 * over /mcp (2026-07-28 requests), plus one burst client that deliberately exceeds its key's rate limit.
 * Prints requests, errors by status, p50/p99 and the server's RSS. Target: no errors but the burst's
 * 429s, RSS growth under 20% from the warmed-up baseline. Not part of npm test.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { keyId } from "../server/auth.ts";
import { FakeEstat } from "../test/helpers/fake-estat.ts";
import { freePort, modernRequest } from "../test/helpers/mcp-wire.ts";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 50);
// V8 sizes its heap during the first seconds of load (130 MB idle → ~450 MB, then flat); growth is
// measured from after that, so that it shows leaks rather than the heap finding its size.
const WARMUP_SECONDS = Math.min(15, SECONDS / 4);
// The load spreads over many keys so that none nears the limit; the burst client owns one key.
const LOAD_KEYS = Array.from({ length: 200 }, (_, i) => `soak-load-key-${String(i).padStart(4, "0")}-xxxxxxxx`);
const BURST_KEY = "soak-burst-key-yyyyyyyyyyyyyyyy";
const PER_MINUTE = 2000;
const BURST_EXTRA = 200;
const APP_ID = "estat-app-id-0123456789abcdef";


const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

/** One 2026-07-28 request: body and the headers the revision requires. */
function rpc(method: string, params: Record<string, unknown> = {}, name?: string) {
  const { headers, body } = modernRequest(method, params, { name, client: "soak" });
  return { headers, body };
}

const call = (name: string, args: Record<string, unknown>) => rpc("tools/call", { name, arguments: args }, name);

/** The mix: tools/list and four tools, each with 20 argument variants (bounded cache keys). */
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

async function main() {
  const fake = await new FakeEstat({ appId: APP_ID }).listen();
  const port = await freePort();
  const server = spawn(process.execPath, ["server/main.ts"], {
    env: {
      PATH: process.env.PATH,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "info",
      ESTAT_API_URL: fake.url,
      ESTAT_APP_ID: APP_ID,
      MCP_API_KEYS: [...LOAD_KEYS, BURST_KEY].join(","),
      RATE_LIMIT_PER_MINUTE: String(PER_MINUTE),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const pid = server.pid!;
  const levels = new Map<string, number>();
  let leaked = 0;
  let listening!: () => void;
  const ready = new Promise<void>((r) => {
    listening = r;
  });
  createInterface({ input: server.stdout! }).on("line", (line) => {
    const level = /"level":"(\w+)"/.exec(line)?.[1] ?? "?";
    levels.set(level, (levels.get(level) ?? 0) + 1);
    if (line.includes('"event":"listening"')) listening();
    // Every key starts with "soak-": one search per line keeps this reader ahead of the server's output.
    if (line.includes(APP_ID) || line.includes("soak-")) leaked++;
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await ready;
    const idle = rssMb(pid);
    const bodies = mix();
    let next = 0;
    let toolErrors = 0;
    let rpcErrors = 0;
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(rssMb(pid)), 5000);
    let warm = 0;
    const warmTimer = setTimeout(() => {
      warm = rssMb(pid);
    }, WARMUP_SECONDS * 1000);

    const load = autocannon({
      url: `${url}/mcp`,
      connections: CONNECTIONS,
      duration: SECONDS,
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
    });
    // The burst: one key, more requests than its budget, once the load is running.
    await new Promise((r) => setTimeout(r, Math.min(10, SECONDS / 3) * 1000));
    const list = rpc("tools/list");
    const burst = await autocannon({
      url: `${url}/mcp`,
      connections: 5,
      amount: PER_MINUTE + BURST_EXTRA,
      method: "POST",
      headers: { ...list.headers, "x-api-key": BURST_KEY },
      body: list.body,
    });
    const result = await load;
    clearInterval(sampler);
    clearTimeout(warmTimer);
    const end = rssMb(pid);

    const byStatus = (r: autocannon.Result) =>
      Object.entries(r.statusCodeStats ?? {})
        .map(([s, v]) => `${s}: ${v.count}`)
        .join(", ");
    const errorsByStatus = Object.entries(result.statusCodeStats ?? {}).filter(([s]) => s !== "200");
    const growth = ((end - warm) / warm) * 100;
    const lines = [
      `soak: ${SECONDS} s, ${CONNECTIONS} connections, 2026-07-28 mix (tools/list, get_table_url, search_stats, get_meta_info, get_stats_data), node ${process.version}`,
      `load: ${result.requests.total} requests (${result.requests.average.toFixed(0)} req/s), by status {${byStatus(result)}}`,
      `load errors: non-2xx ${result.non2xx} (${errorsByStatus.map(([s, v]) => `${s}: ${v.count}`).join(", ") || "none"}), connection errors ${result.errors}, timeouts ${result.timeouts}, tool results with isError ${toolErrors}, JSON-RPC errors ${rpcErrors}`,
      `load latency: p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
      `burst (${keyId(BURST_KEY)}, limit ${PER_MINUTE}/min): ${burst.requests.total} requests, by status {${byStatus(burst)}}, connection errors ${burst.errors}; expected 429s: ${BURST_EXTRA}`,
      `server RSS: idle ${idle.toFixed(1)} MB, after ${WARMUP_SECONDS} s warm-up ${warm.toFixed(1)} MB, end ${end.toFixed(1)} MB, growth ${growth.toFixed(1)}% (samples every 5 s: ${rss.map((x) => x.toFixed(0)).join(" ")})`,
      `server log lines by level {${[...levels].map(([l, n]) => `${l}: ${n}`).join(", ")}}, lines with a secret: ${leaked}`,
    ];
    console.log(lines.join("\n"));
    const ok =
      result.non2xx === 0 &&
      result.errors === 0 &&
      toolErrors === 0 &&
      rpcErrors === 0 &&
      burst.errors === 0 &&
      (burst.statusCodeStats?.["429"]?.count ?? 0) === BURST_EXTRA &&
      leaked === 0 &&
      growth < 20;
    console.log(ok ? "soak: PASS" : "soak: FAIL");
    process.exitCode = ok ? 0 : 1;
  } finally {
    server.kill("SIGTERM");
    await once(server, "exit");
    await fake.close();
  }
}

await main();

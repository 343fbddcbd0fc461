/**
 * node bench/cold-start.ts [--runs N] — a benchmark that prints figures (not a test).
 *
 * Cold start of the image's command as a platform starts it (Cloud Run: HOST=0.0.0.0, PORT from the
 * platform, the stack's heap cap and grace): from spawning the bundle the image runs
 * (`node dist/server/main.mjs`, `npm run build` first) with the compile cache its build writes (made here
 * by the same scripts/warm-compile-cache.mjs) to the first answered `tools/list` on /mcp. A file lake and
 * no e-Stat call, so it measures the process, not the network. A platform's own instance start (image
 * pull, sandbox) comes on top and is not measured here.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const KEY = "coldStartKey0123456789abcdefghijklmnop";
const ENTRY = "dist/server/main.mjs";
const NODE_OPTIONS = "--max-old-space-size=307 --max-semi-space-size=4";
if (!existsSync(ENTRY)) {
  process.stderr.write(`bench/cold-start.ts: ${ENTRY} is missing: run \`npm run build\` first.\n`);
  process.exit(1);
}
const cache = mkdtempSync(join(tmpdir(), "cold-start-cache-"));
execFileSync(process.execPath, ["scripts/warm-compile-cache.mjs", ENTRY], {
  env: { PATH: process.env.PATH, NODE_COMPILE_CACHE: cache, NODE_OPTIONS },
  stdio: ["ignore", "ignore", "inherit"],
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function once(): Promise<number> {
  const port = await freePort();
  const lake = mkdtempSync(join(tmpdir(), "cold-start-"));
  const t0 = performance.now();
  const child = spawn(process.execPath, [ENTRY], {
    env: {
      PATH: process.env.PATH,
      HOST: "0.0.0.0",
      PORT: String(port),
      MCP_API_KEYS: KEY,
      ESTAT_APP_ID: "0".repeat(40),
      DATA_LAKE: `file://${lake}`,
      ALLOWED_HOSTS: "127.0.0.1",
      SHUTDOWN_GRACE_MS: "5000",
      NODE_OPTIONS,
      NODE_COMPILE_CACHE: cache,
      LOG_LEVEL: "warn",
    },
    stdio: "ignore",
  });
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "x-api-key": KEY },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
      });
      const body = await r.text();
      if (r.status === 200 && body.includes("save_dataset")) break;
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const ms = performance.now() - t0;
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  rmSync(lake, { recursive: true, force: true });
  return ms;
}

const times: number[] = [];
for (let i = 0; i < RUNS; i++) times.push(await once());
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
rmSync(cache, { recursive: true, force: true });
console.log(`node ${process.versions.node}: ${ENTRY} with the image's compile cache, spawn → first tools/list, ${RUNS} runs (ms): ${times.map((t) => t.toFixed(0)).join(", ")}; median ${median.toFixed(0)}`);

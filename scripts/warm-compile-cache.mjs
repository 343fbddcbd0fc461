// Fills Node's compile cache (NODE_COMPILE_CACHE) for the bundle, at image build time: it starts the
// server once on a loopback port, asks it for tools/list, stops it, and checks that the cache was
// written. A container started from the image then reads V8's compiled code for the bundle instead of
// compiling 1.3 MB of JavaScript (README, Performance: about 100 ms of every cold start).
//
// The cache belongs to the node binary that wrote it (its directory is named by Node's version, the
// architecture and the V8 flags that change compiled code; heap sizes do not): the Dockerfile runs this
// in the final stage, with the image's own node and ENV, so the two always match. Where they do not (a
// flag added at run time), Node finds no entry and compiles as before. At run time the cache directory
// is read-only (the task's root filesystem is): Node then skips writing new entries, silently.
//
// Usage: NODE_COMPILE_CACHE=<dir> node scripts/warm-compile-cache.mjs [server entry, default server/main.mjs]
// Plain JavaScript with Node's own modules only: it runs in the image, which has no node_modules.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const entry = process.argv[2] ?? "server/main.mjs";
const cacheDir = process.env.NODE_COMPILE_CACHE;
const fail = (message) => {
  process.stderr.write(`warm-compile-cache: ${message}\n`);
  process.exit(1);
};
if (!cacheDir) fail("NODE_COMPILE_CACHE is not set: set it to the directory the image's ENV names.");

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port: p } = s.address();
    s.close(() => resolve(p));
  });
});
const lake = mkdtempSync(join(tmpdir(), "warm-lake-"));
const server = spawn(process.execPath, [entry], {
  env: {
    ...process.env,
    HOST: "127.0.0.1",
    PORT: String(port),
    MCP_AUTH: "none",
    LOG_LEVEL: "warn",
    DATA_LAKE: `file://${lake}`,
  },
  stdio: ["ignore", "inherit", "inherit"],
});
let exited = false;
server.on("exit", () => {
  exited = true;
});

// A 2025-era request needs no initialize (the server is stateless in both eras).
const list = {
  method: "POST",
  headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18" },
  body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
};
const until = Date.now() + 30_000;
for (;;) {
  if (exited) fail(`${entry} exited before it answered tools/list`);
  try {
    const res = await fetch(`http://127.0.0.1:${port}/mcp`, list);
    const text = await res.text();
    if (res.ok && text.includes("search_stats")) break;
    fail(`tools/list answered ${res.status}: ${text.slice(0, 200)}`);
  } catch (err) {
    if (Date.now() > until) fail(`${entry} did not answer on 127.0.0.1:${port} within 30 s (${err.message})`);
  }
  await new Promise((r) => setTimeout(r, 20));
}
// A clean exit writes the cache (Node persists it as the process ends).
server.kill("SIGTERM");
if (!exited) await once(server, "exit");
rmSync(lake, { recursive: true, force: true });

let files = 0;
let bytes = 0;
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else {
      files++;
      bytes += statSync(p).size;
    }
  }
};
try {
  walk(cacheDir);
} catch {}
if (files === 0) fail(`nothing was written to ${cacheDir}: is it writable, and is this Node >= 22.1?`);
process.stdout.write(`warm-compile-cache: ${files} entries, ${(bytes / 1024).toFixed(0)} KiB in ${cacheDir} (${process.version})\n`);

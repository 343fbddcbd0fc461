/**
 * Every npm script, the way a user runs it: through npm, on this Node and on the system's older Node
 * (issue 10: on Node 20 they crashed with ERR_UNKNOWN_FILE_EXTENSION).
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../helpers/mcp-wire.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const scripts = Object.keys(JSON.parse(readFileSync(`${root}/package.json`, "utf8")).scripts as object);

/**
 * Run on Node 20 through tsx, as on Node 24. `lint` (eslint and tsc, plain JavaScript) is not run below:
 * it takes a minute of CPU and CI runs it; on Node 20.20 it was checked by hand (exit 0).
 */
// pretest:stacks installs the policy pack's own dependencies (npm itself, any Node); heroku-postbuild is `npm run build`.
const WORK = ["start", "demo", "keygen", "client-config", "lint", "pretest:stacks", "heroku-postbuild", "build"];
/** Need Node 24 itself (figures, or child processes started as `node x.ts`): one line, exit 1. */
const NODE24 = ["test", "test:server", "test:stacks", "bench", "bench:lake", "bench:query", "soak", "image-check", "k8s:render", "bench:lambda"];

/** The system's older Node, if there is one (Debian's is 20). */
const OLD_NODE = ["/usr/bin/node", "/usr/local/bin/node"].find((p) => {
  if (!existsSync(p)) return false;
  const major = Number(execFileSync(p, ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8" }));
  return major < 24;
});

/** An environment whose `node` and `npm` are `nodePath`'s (npm's shebang is `env node`). */
function envFor(nodePath: string, extra: Record<string, string> = {}) {
  const env: Record<string, string | undefined> = { ...process.env, PATH: `${dirname(nodePath)}:/usr/bin:/bin`, ...extra };
  for (const k of Object.keys(env)) if (k.startsWith("npm_")) delete env[k];
  return env;
}

const npm = (nodePath: string, args: string[], extra?: Record<string, string>) =>
  spawnSync("npm", ["run", "-s", ...args], { cwd: root, encoding: "utf8", env: envFor(nodePath, extra), timeout: 60_000 });

/** Starts `npm run <script>` and resolves once `url` answers. */
async function startNpm(nodePath: string, script: string, port: number): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn("npm", ["run", "-s", script], { cwd: root, env: envFor(nodePath, { PORT: String(port), LOG_LEVEL: "warn" }) });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (t: string) => (out += t));
  child.stderr!.setEncoding("utf8").on("data", (t: string) => (out += t));
  const until = Date.now() + 30_000;
  while (!(await up(port))) {
    assert.ok(Date.now() < until && child.exitCode === null, `${script} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, out: () => out };
}

const up = (port: number) => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);

/** SIGTERM to the npm process itself, as a process manager or `kill` would send it. */
async function stopsWithNpm(child: ChildProcess, port: number) {
  child.kill("SIGTERM");
  const until = Date.now() + 10_000;
  while (await up(port)) {
    assert.ok(Date.now() < until, "the server outlived npm");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("npm scripts (package.json)", () => {
  it("are each either run on an older Node or stopped with one line: none is left out", () => {
    assert.deepEqual([...scripts].sort(), [...WORK, ...NODE24].sort());
  });

  it("npm start stops its server when npm gets SIGTERM (issue 10: scripts/start.mjs orphaned it)", async () => {
    const port = await freePort();
    const { child } = await startNpm(process.execPath, "start", port);
    await stopsWithNpm(child, port);
  });
});

describe(`npm scripts on the system's older Node (${OLD_NODE ?? "none found"})`, function () {
  before(function () {
    // Stated reason: the machine has no Node older than 24 at /usr/bin or /usr/local/bin to try them on.
    if (!OLD_NODE) this.skip();
  });

  for (const script of NODE24) {
    it(`npm run ${script} stops with one line saying how to get Node 24`, () => {
      const r = npm(OLD_NODE!, [script]);
      assert.equal(r.status, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /ERR_UNKNOWN_FILE_EXTENSION|\n\s+at /);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`needs Node 24 .*npx -y node@24 --run ${script}`));
    });
  }

  it("npm run build bundles the server and the Lambda zip (plain JS: any Node)", () => {
    const r = npm(OLD_NODE!, ["build"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^dist\/server\/main\.mjs \d+ KiB, dist\/server\/lambda\.mjs \d+ KiB, \d+ files; dist\/lambda\.zip \d+ KiB \(\d+ files\)$/m);
    assert.ok(existsSync(`${root}/dist/lambda.zip`));
  });

  it("npm run keygen prints a key", () => {
    const r = npm(OLD_NODE!, ["keygen"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ {2}MCP_API_KEYS=[A-Za-z0-9._~-]{16,}$/m);
  });

  it("npm run client-config prints a configuration", () => {
    const r = npm(OLD_NODE!, ["client-config", "--", "--url", "http://127.0.0.1:8080/mcp", "--client", "vscode"]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { servers: { estat: { type: "http", url: "http://127.0.0.1:8080/mcp" } } });
  });

  it("npm start serves, and stops when npm gets SIGTERM", async () => {
    const port = await freePort();
    const { child, out } = await startNpm(OLD_NODE!, "start", port);
    assert.match(out(), /running through tsx/);
    await stopsWithNpm(child, port);
  });

  it("npm run demo prints its banner only once it listens, and removes its lake on exit", async () => {
    const port = await freePort();
    const child = spawn("npm", ["run", "-s", "demo"], { cwd: root, env: envFor(OLD_NODE!, { PORT: String(port) }) });
    let out = "";
    child.stderr.setEncoding("utf8").on("data", (t: string) => (out += t));
    child.stdout.setEncoding("utf8");
    let lake = "";
    const bannerSeen = new Promise<void>((resolve) =>
      child.stdout.on("data", async (t: string) => {
        out += t;
        const m = /data lake: ([^)]+)\)/.exec(out);
        if (m && !lake) {
          lake = m[1]!;
          // The banner promises a listening server: it must answer the moment the banner appears.
          assert.equal(await up(port), true);
          resolve();
        }
      }),
    );
    await Promise.race([bannerSeen, once(child, "exit").then(() => assert.fail(`demo exited:\n${out}`))]);
    assert.ok(existsSync(lake), lake);
    await stopsWithNpm(child, port);
    const until = Date.now() + 10_000;
    while (existsSync(lake)) {
      assert.ok(Date.now() < until, `${lake} left behind`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});

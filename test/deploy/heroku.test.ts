/**
 * The heroku target as the platform runs it: what the slug holds (the tracked files minus .slugignore,
 * the bundle heroku-postbuild builds, `npm ci --omit=dev`), the Procfile's exact `web:` command through
 * `sh -c` with PORT chosen here and DYNO=web.1, and app.json's values as the config vars. app.json is
 * validated against Heroku's own app.json JSON schema (vendored from the npm package @heroku/mcp-server).
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { parseEnv } from "../../server/config.ts";
import { checkedChain } from "../../stacks/shared/timeouts.ts";
import { herokuTimeouts, ROUTER_FIRST_BYTE_S, ROUTER_ROLLING_WINDOW_S } from "../../stacks/heroku/timeouts.ts";
import { FakeEstat } from "../helpers/fake-estat.ts";
import { freePort, modernToolCall } from "../helpers/mcp-wire.ts";
import { connect } from "../helpers/server.ts";

const root = join(import.meta.dirname, "..", "..");
const read = (p: string) => readFileSync(join(root, p), "utf8");
const appJson = JSON.parse(read("app.json"));
const KEY = "herokuTestKey0123456789abcdef";

/** The files the slug keeps: tracked (and new, not ignored) files minus .slugignore's patterns. */
function slugFiles(): string[] {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
    .split("\n")
    .filter(Boolean);
  const patterns = read(".slugignore")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}(/|$)`));
  return files.filter((f) => !patterns.some((re) => re.test(f)));
}

/** app.json's env values, as the Button sets them (required values without one get the test's). */
function configVars(fake: FakeEstat): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, spec] of Object.entries(appJson.env as Record<string, { value?: string }>)) {
    if (spec.value !== undefined) vars[name] = spec.value;
  }
  return { ...vars, ESTAT_APP_ID: fake.appId, ESTAT_API_URL: fake.url, MCP_API_KEYS: KEY };
}

describe("heroku: the Procfile's command on a production-only install", function () {
  this.timeout(180_000);
  let fake: FakeEstat;
  let slug: string;
  let child: ChildProcess;
  let base: string;
  const stdout: string[] = [];

  before(async () => {
    fake = await new FakeEstat().listen();
    slug = mkdtempSync(join(tmpdir(), "estat-slug-"));
    for (const f of slugFiles()) {
      mkdirSync(dirname(join(slug, f)), { recursive: true });
      cpSync(join(root, f), join(slug, f));
    }
    // Heroku installs everything, runs heroku-postbuild (`npm run build`), then prunes devDependencies:
    // the result is the bundle this checkout builds (test/helpers/build-hook.ts runs `npm run build`
    // before the suite) beside a production-only install.
    const pkg = JSON.parse(read("package.json"));
    assert.equal(pkg.scripts["heroku-postbuild"], "npm run build");
    if (!existsSync(join(root, "dist", "server", "main.mjs"))) {
      execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "pipe" });
    }
    cpSync(join(root, "dist"), join(slug, "dist"), { recursive: true });
    execFileSync("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {
      cwd: slug,
      stdio: "pipe",
    });
    const web = /^web: (.+)$/m.exec(read("Procfile"))?.[1];
    assert.ok(web, "Procfile has a web: process");
    const port = await freePort();
    // A file:// lake on a dyno: the server must warn (the test's lake is a temporary folder).
    const lake = `file://${mkdtempSync(join(tmpdir(), "estat-dyno-lake-"))}`;
    // Its own process group, as a dyno is: Heroku stops a dyno by sending SIGTERM to every process in it,
    // not only to the shell that runs the Procfile line (killing the shell alone left node running).
    child = spawn("sh", ["-c", web], {
      cwd: slug,
      env: { PATH: process.env.PATH, ...configVars(fake), DATA_LAKE: lake, PORT: String(port), DYNO: "web.1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stderr = "";
    child.stderr?.on("data", (c) => {
      stderr += c;
    });
    base = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        stdout.push(line);
        if (JSON.parse(line).event === "listening") resolve(`http://127.0.0.1:${port}`);
      });
      child.once("exit", (code) => reject(new Error(`the web process exited ${code}: ${stderr}`)));
    });
  });
  const stopDyno = async () => {
    if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    await exited;
  };
  after(async () => {
    await stopDyno();
    await fake?.close();
    if (slug) rmSync(slug, { recursive: true, force: true });
  });

  it("keeps the Pulumi, test and lint dependencies out of the slug", () => {
    const installed = execFileSync("npm", ["ls", "--omit=dev", "--depth=0", "--parseable"], { cwd: slug, encoding: "utf8" });
    for (const dev of ["@pulumi/pulumi", "mocha", "eslint", "typescript", "s3rver"]) {
      assert.ok(!installed.includes(`/node_modules/${dev}\n`) && !installed.endsWith(`/node_modules/${dev}`), dev);
    }
    for (const gone of ["test", "stacks", "policy", "docs"]) assert.equal(existsSync(join(slug, gone)), false, `${gone}/ is in the slug`);
    assert.ok(existsSync(join(slug, "dist", "server", "main.mjs")), "the bundle is");
  });

  it("listens on $PORT on all interfaces and answers /healthz", async () => {
    const listening = JSON.parse(stdout.find((l) => l.includes('"event":"listening"'))!);
    assert.match(listening.url, /^http:\/\/0\.0\.0\.0:\d+\/mcp$/);
    const r = await fetch(`${base}/healthz`);
    assert.equal(r.status, 200);
  });

  it("says loudly at start and in /readyz that a file:// lake on a dyno is wiped", async () => {
    const warning = stdout.map((l) => JSON.parse(l)).find((l) => l.event === "config_warning");
    assert.ok(warning, stdout.join("\n"));
    assert.equal(warning.level, "warn");
    assert.match(warning.warning, /web\.1.*wiped.*DATA_LAKE=s3:\/\//s);
    const ready = (await (await fetch(`${base}/readyz`)).json()) as { warnings?: string[] };
    assert.match(ready.warnings?.join("\n") ?? "", /dyno's disk is wiped/);
  });

  it("answers MCP tools/list with the key app.json generates", async () => {
    const client = await connect(base, "modern", { authorization: `Bearer ${KEY}` });
    const { tools } = await client.listTools();
    await client.close();
    assert.ok(tools.some((t) => t.name === "search_stats"));
  });

  it("streams a slow call: the first byte at once, no gap near the router's 55 s window", async () => {
    // 17 s of e-Stat silence with app.json's own settings (STREAM_AFTER_MS 3 s, keep-alives every 15 s).
    fake.on("getStatsList", () => ({ delayMs: 17_000 }));
    const t0 = performance.now();
    const res = await fetch(`${base}/mcp`, modernToolCall("search_stats", { query: "heroku 遅い" }, { headers: { authorization: `Bearer ${KEY}` } }));
    const first = performance.now() - t0;
    const at: number[] = [];
    let body = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      at.push(performance.now() - t0);
      body += Buffer.from(chunk).toString();
    }
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    assert.ok(first < 1000, `headers after ${first.toFixed(0)} ms (the router cuts at ${ROUTER_FIRST_BYTE_S} s)`);
    assert.ok(at[0] < 1000, `the first body byte after ${at[0]} ms`);
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    assert.ok(Math.max(...gaps) < 16_500, `gaps ${gaps.map(Math.round)} ms (the router cuts at ${ROUTER_ROLLING_WINDOW_S} s)`);
    assert.match(body, /: keepalive/);
    assert.match(body, /"id":1/);
  });

  it("stops with the dyno: SIGTERM to the dyno's processes ends the server, nothing left listening", async () => {
    await stopDyno();
    await assert.rejects(fetch(`${base}/healthz`), "the port still answers after the dyno stopped");
  });
});

describe("heroku: app.json and the router's limits", () => {
  it("is valid against Heroku's app.json schema, with the required, generated and lake variables", () => {
    const ajv = new Ajv({ allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(read("test/fixtures/heroku/app-json.schema.json")));
    const candidate: unknown = appJson;
    assert.ok(validate(candidate), JSON.stringify(validate.errors));
    assert.equal(appJson.env.ESTAT_APP_ID.required, true);
    assert.equal(appJson.env.MCP_API_KEYS.generator, "secret");
    for (const lake of ["DATA_LAKE", "S3_ENDPOINT", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "AWS_REGION"]) assert.ok(appJson.env[lake], lake);
    assert.match(appJson.env.DATA_LAKE.value, /^s3:\/\//);
    assert.equal(appJson.formation.web.quantity, 1);
    // The schema check is live.
    assert.equal(validate({ ...appJson, env: { MCP_API_KEYS: { generator: "random" } } }), false);
    assert.equal(validate({ ...appJson, formation: { web: { size: "basic" } } }), false);
  });

  it("pins Node 24 for the buildpack, builds the bundle in heroku-postbuild and runs it", () => {
    const pkg = JSON.parse(read("package.json"));
    assert.equal(pkg.engines.node, "24.x");
    assert.equal(pkg.scripts["heroku-postbuild"], "npm run build");
    assert.match(read("Procfile"), /^web: HOST=0\.0\.0\.0 node dist\/server\/main\.mjs$/m);
  });

  it("sets the server on the heroku timeout chain (router limits, SIGKILL 30 s after SIGTERM)", () => {
    const chain = herokuTimeouts();
    const vars = Object.fromEntries(
      Object.entries(appJson.env as Record<string, { value?: string }>).flatMap(([k, v]) => (v.value ? [[k, v.value]] : [])),
    );
    const c = parseEnv({ ...vars, HOST: "0.0.0.0", PORT: "5000", MCP_API_KEYS: KEY, S3_ACCESS_KEY_ID: "id", S3_SECRET_ACCESS_KEY: "secret-key" });
    const s = chain.server;
    assert.deepEqual(
      [c.estat.timeoutMs, c.toolTimeoutMs, c.executeTimeoutMs, c.keepAliveMs, c.keepAliveTimeoutMs, c.shutdownGraceMs],
      [s.estatTimeoutMs, s.toolTimeoutMs, s.executeTimeoutMs, s.sseKeepAliveS * 1000, s.keepAliveTimeoutMs, s.shutdownGraceMs],
    );
    assert.ok(c.shutdownGraceMs < 30_000 && c.keepAliveTimeoutMs > 90_000 && c.keepAliveMs < 55_000);
    assert.equal(c.warnings.length, 0, "an S3 lake: no warning");
    // The one relation Heroku cannot keep is said, not hidden: without it the chain is refused.
    assert.throws(() => checkedChain({ ...chain, drainCutsLongCalls: false }), /grace \(25000 ms\) must let a whole call finish/);
  });
});

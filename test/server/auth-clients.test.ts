/**
 * Issue 10: with a missing or wrong key, the MCP Inspector CLI answered "auth_required … Interactive OAuth
 * requires a TTY" and mcp-remote hung at "Waiting for authorization…": both read our 401 as an OAuth
 * challenge, so the message saying what to send never reached anyone. These run the real clients (pinned
 * in package.json) against a server with API keys and require each to stop by itself, within a bound,
 * showing our message. A client still running at the bound is killed and the test fails.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KEY_INVALID, KEY_MISSING } from "../../server/http/auth/api-keys.ts";
import { type Running, startServer } from "../helpers/server.ts";

const KEY = "clients-test-key-aaaaaaaaaaaa";
const WRONG = "clients-wrong-key-bbbbbbbbbbb";
const BOUND_MS = 20_000;

const INSPECTOR = "node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js";
const MCP_REMOTE = "node_modules/mcp-remote/dist/proxy.js";

interface Run {
  code: number | null;
  /** True when the client was still running at the bound and had to be killed. */
  hung: boolean;
  out: string;
  err: string;
}

/** Runs a client with its own empty HOME (no stored OAuth state), no TTY, killed at the bound. */
function run(args: string[], stdin?: string): Promise<Run> {
  const home = mkdtempSync(join(tmpdir(), "estat-client-home-"));
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", HOME: home, BROWSER: "/bin/false", NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    err += c.toString();
  });
  // mcp-remote is a stdio bridge: it connects when the MCP host sends its first message. Stdin stays
  // open as a host's would (closing it would end the bridge for another reason).
  if (stdin !== undefined) child.stdin.write(stdin);
  else child.stdin.end();
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, BOUND_MS);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, hung, out, err });
    });
  });
}

const initialize = `${JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "host", version: "1" } },
})}\n`;

describe("real MCP clients against API keys (Inspector CLI 2.12, mcp-remote 0.15)", function () {
  this.timeout(BOUND_MS + 10_000);
  let srv: Running;
  before(async () => {
    srv = await startServer({ ESTAT_APP_ID: "clients-app-id-0000000", MCP_API_KEYS: KEY });
  });
  after(() => srv.close());

  const inspector = (...extra: string[]) =>
    run([INSPECTOR, "--cli", `${srv.base}/mcp`, "--transport", "http", ...extra, "--method", "tools/list"]);

  it("Inspector CLI without a key stops at once and shows what to send", async () => {
    const r = await inspector();
    assert.equal(r.hung, false, "the Inspector CLI was still running");
    assert.notEqual(r.code, 0);
    const all = r.out + r.err;
    assert.ok(all.includes(KEY_MISSING), all);
    assert.doesNotMatch(all, /OAuth/);
  });

  it("Inspector CLI with a wrong key stops at once and says the key is not accepted", async () => {
    const r = await inspector("--header", `X-API-Key: ${WRONG}`);
    assert.equal(r.hung, false, "the Inspector CLI was still running");
    assert.notEqual(r.code, 0);
    assert.ok((r.out + r.err).includes(KEY_INVALID), r.out + r.err);
    assert.doesNotMatch(r.out + r.err, /OAuth/);
  });

  it("Inspector CLI with the key lists the tools (the same command works once the key is right)", async () => {
    const r = await inspector("--header", `X-API-Key: ${KEY}`);
    assert.equal(r.hung, false);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.includes('"search_stats"'), r.out);
  });

  const remote = (...extra: string[]) =>
    run([MCP_REMOTE, `${srv.base}/mcp`, "--allow-http", "--transport", "http-only", ...extra], initialize);

  it("mcp-remote without a key exits instead of waiting for a browser sign-in, with our message", async () => {
    const r = await remote();
    assert.equal(r.hung, false, `mcp-remote was still running:\n${r.err.slice(-2000)}`);
    assert.notEqual(r.code, 0);
    assert.ok(r.err.includes(KEY_MISSING), r.err.slice(-2000));
    assert.doesNotMatch(r.err, /Waiting for authorization/);
  });

  it("mcp-remote with a wrong key exits with our message", async () => {
    const r = await remote("--header", `X-API-Key:${WRONG}`);
    assert.equal(r.hung, false, `mcp-remote was still running:\n${r.err.slice(-2000)}`);
    assert.notEqual(r.code, 0);
    assert.ok(r.err.includes(KEY_INVALID), r.err.slice(-2000));
    assert.doesNotMatch(r.err, /Waiting for authorization/);
  });

  it("mcp-remote with the key answers the host's initialize (the bridge itself works)", async () => {
    const home = mkdtempSync(join(tmpdir(), "estat-client-home-"));
    const child = spawn(
      process.execPath,
      [MCP_REMOTE, `${srv.base}/mcp`, "--allow-http", "--transport", "http-only", "--header", `X-API-Key:${KEY}`],
      { env: { PATH: process.env.PATH ?? "", HOME: home, BROWSER: "/bin/false" }, stdio: ["pipe", "pipe", "pipe"] },
    );
    try {
      child.stdin.write(initialize);
      const answer = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error("no answer to initialize")), BOUND_MS);
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          if (out.includes("\n")) {
            clearTimeout(timer);
            resolve(out.split("\n")[0]);
          }
        });
      });
      const msg = JSON.parse(answer) as { id: number; result?: { serverInfo?: { name: string } } };
      assert.equal(msg.id, 1);
      assert.equal(msg.result?.serverInfo?.name, "estat-mcp-cloud");
    } finally {
      child.kill("SIGKILL");
    }
  });
});

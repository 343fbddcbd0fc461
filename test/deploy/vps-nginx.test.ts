/**
 * The VPS target's nginx, for real: Debian's nginx runs deploy/vps/nginx/nginx.conf (paths, ports and
 * upstream substituted, `nginx -t` first) with a self-signed certificate in front of the real server.
 */
import assert from "node:assert/strict";
import { type IncomingMessage, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import tls from "node:tls";
import { FakeEstat } from "../helpers/fake-estat.ts";
import { modernToolCall } from "../helpers/mcp-wire.ts";
import { type Nginx, SHIPPED_NGINX_CONF, startNginx, substitute } from "../helpers/nginx.ts";
import { connect, type Era, type Running, startServer, text } from "../helpers/server.ts";
import { vpsTimeouts } from "../../stacks/vps/timeouts.ts";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request to nginx, trusting only the test's certificate, from a chosen loopback address. */
function https(
  ng: Nginx,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; from?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        servername: "localhost",
        port: ng.httpsPort,
        ca: ng.cert,
        method: opts.method ?? "GET",
        path: opts.path ?? "/healthz",
        headers: { host: "localhost", ...opts.headers },
        localAddress: opts.from,
        agent: false,
      },
      (res) => collect(res, resolve),
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** The whole answer of `res`, as text. */
function collect(res: IncomingMessage, resolve: (a: Answer) => void) {
  let body = "";
  res.setEncoding("utf8");
  res.on("data", (c) => {
    body += c;
  });
  res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
}

function http(ng: Nginx, path: string, host: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: ng.httpPort, path, headers: { host } }, (res) => collect(res, resolve));
    req.on("error", reject);
    req.end();
  });
}

/** A slow tools/call through nginx over HTTPS, frame by frame with each frame's arrival time. */
async function slowCall(ng: Nginx, id: number): Promise<{ frames: { at: number; frame: string }[]; status: number; type: string; cut?: string }> {
  const init = modernToolCall("search_stats", { query: `遅い ${id}` }, { id });
  // Times count from the request: a proxy that held the headers back would show in the first frame's.
  const started = performance.now();
  const res = await fetch(`https://localhost:${ng.httpsPort}/mcp`, init);
  const frames: { at: number; frame: string }[] = [];
  const decoder = new TextDecoder();
  let buf = "";
  let cut: string | undefined;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
        frames.push({ at: performance.now() - started, frame: buf.slice(0, i) });
        buf = buf.slice(i + 2);
      }
    }
  } catch (err) {
    // The connection closed mid-answer: a truncated 200.
    cut = String((err as Error).cause ?? err);
  }
  return { frames, status: res.status, type: res.headers.get("content-type") ?? "", cut };
}

const E_STAT_DELAY_MS = 3000;

/** What a streamed slow call must show through the proxy; empty when it does. */
function streamingProblems(r: Awaited<ReturnType<typeof slowCall>>, keepAliveMs: number): string[] {
  const problems: string[] = [];
  const keepalives = r.frames.filter((f) => f.frame.startsWith(": keepalive"));
  const last = r.frames.at(-1);
  if (r.status !== 200 || !/text\/event-stream/.test(r.type)) problems.push(`answer ${r.status} ${r.type}`);
  if (r.cut) problems.push(`stream cut: ${r.cut}`);
  if (!last || !last.frame.includes('"id":')) problems.push("no final result");
  // The e-Stat answer comes after 3 s: the stream's first bytes must arrive well before the call ends.
  const first = r.frames[0]?.at ?? Infinity;
  if (!(first < E_STAT_DELAY_MS - 500)) problems.push(`first frame at ${first.toFixed(0)} ms, e-Stat answers at ${E_STAT_DELAY_MS} ms`);
  const expected = Math.floor(E_STAT_DELAY_MS / keepAliveMs) - 1;
  if (keepalives.length < expected) {
    problems.push(`${keepalives.length} keep-alives passed through (the server sent one every ${keepAliveMs} ms)`);
  }
  const gaps = r.frames.slice(1).map((f, i) => f.at - r.frames[i].at);
  if (Math.max(...gaps) > keepAliveMs + 750) problems.push(`a silence of ${Math.max(...gaps).toFixed(0)} ms`);
  return problems;
}

describe("deploy/vps/nginx/nginx.conf with Debian's nginx", function () {
  this.timeout(60_000);
  let fake: FakeEstat;
  let srv: Running;
  let limited: Running;
  let ng: Nginx;
  let quiet: Running;
  let ngQuiet: Nginx;
  let cutting: Nginx;
  let ngLimited: Nginx;
  let appRequests = 0;
  const defaultCAs = tls.getCACertificates("default");

  before(async () => {
    fake = await new FakeEstat().listen();
    const env = {
      ESTAT_API_URL: fake.url,
      ESTAT_APP_ID: fake.appId,
      STREAM_AFTER_MS: "200",
      SSE_KEEPALIVE_MS: "250",
      TRUSTED_PROXY_HOPS: "1",
    };
    srv = await startServer(env);
    srv.server.on("request", () => {
      appRequests += 1;
    });
    limited = await startServer({ ...env, RATE_LIMIT_PER_MINUTE: "3" });
    const upstream = (r: Running) => new URL(r.base).host;
    ng = await startNginx(upstream(srv));
    // A server whose keep-alives come every 1.5 s, behind the shipped config and behind a variant whose
    // proxy_read_timeout (1 s) is shorter than that silence: the streaming check must fail through it.
    quiet = await startServer({ ...env, SSE_KEEPALIVE_MS: "1500" });
    ngQuiet = await startNginx(upstream(quiet));
    cutting = await startNginx(upstream(quiet), (c) => substitute(c, "proxy_read_timeout 130s;", "proxy_read_timeout 1s;"));
    ngLimited = await startNginx(upstream(limited));
    // fetch (the SDK client's transport) trusts the test's certificates for this suite only.
    tls.setDefaultCACertificates([...defaultCAs, ng.cert, ngQuiet.cert, cutting.cert, ngLimited.cert]);
  });
  after(async () => {
    tls.setDefaultCACertificates(defaultCAs);
    await Promise.all([ng?.stop(), ngQuiet?.stop(), cutting?.stop(), ngLimited?.stop()]);
    await Promise.all([srv?.close(), quiet?.close(), limited?.close(), fake?.close()]);
  });
  beforeEach(() => fake.reset());

  for (const era of ["modern", "legacy"] as Era[]) {
    it(`serves the MCP SDK client over HTTPS (${era} era): tools/list and a tool call`, async () => {
      const client = await connect(`https://localhost:${ng.httpsPort}`, era);
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === "search_stats"), tools.map((t) => t.name).join(","));
      const r = await client.callTool({ name: "search_stats", arguments: { query: "人口" } });
      await client.close();
      assert.equal(r.isError, undefined, text(r));
      assert.match(text(r), /0003445078|人口/);
    });
  }

  it("streams a slow e-Stat call: first SSE bytes before the call ends, keep-alives passed through", async () => {
    fake.on("getStatsList", () => ({ delayMs: E_STAT_DELAY_MS }));
    const r = await slowCall(ng, 11);
    assert.deepEqual(streamingProblems(r, 250), [], JSON.stringify(r.frames.map((f) => [Math.round(f.at), f.frame.slice(0, 20)])));
  });

  it("passes quieter streams (a keep-alive every 1.5 s) and fails them through a proxy_read_timeout of 1 s (the test can fail)", async () => {
    fake.on("getStatsList", () => ({ delayMs: E_STAT_DELAY_MS }));
    const through = await slowCall(ngQuiet, 12);
    assert.deepEqual(streamingProblems(through, 1500), [], JSON.stringify(through.frames.map((f) => Math.round(f.at))));
    const cut = await slowCall(cutting, 13);
    const problems = streamingProblems(cut, 1500);
    assert.ok(problems.length > 0, "a 1 s proxy_read_timeout let a stream with 1.5 s silences through: the check proves nothing");
    // nginx cuts the quiet stream after its first bytes: a 200 whose result never comes.
    assert.equal(cut.status, 200);
    assert.ok(problems.includes("no final result") && cut.cut, problems.join("; "));
  });

  it("refuses a body over the server's 1 MiB limit with nginx's own 413; a body at the limit reaches the server", async () => {
    const before = appRequests;
    const over = await https(ng, {
      method: "POST",
      path: "/mcp",
      headers: { "content-type": "application/json" },
      body: Buffer.alloc(1024 * 1024 + 1, 0x20),
    });
    assert.equal(over.status, 413);
    assert.match(over.body, /413 Request Entity Too Large/);
    assert.equal(over.headers.server, "nginx");
    assert.equal(appRequests, before, "the server never saw the refused body");
    const at = await https(ng, {
      method: "POST",
      path: "/mcp",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: Buffer.alloc(1024 * 1024, 0x20),
    });
    assert.notEqual(at.status, 413, at.body);
    assert.doesNotMatch(at.body, /nginx/, `${at.status} ${at.body}`);
    assert.equal(appRequests, before + 1, "a body of exactly 1 MiB is the server's to judge");
  });

  it("redirects HTTP to HTTPS, except the ACME challenge path, served from the webroot", async () => {
    const r = await http(ng, "/mcp?x=1", "mcp.example.jp");
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, "https://mcp.example.jp/mcp?x=1");
    mkdirSync(join(ng.webroot, ".well-known", "acme-challenge"), { recursive: true });
    writeFileSync(join(ng.webroot, ".well-known", "acme-challenge", "tok-123"), "tok-123.thumbprint");
    const acme = await http(ng, "/.well-known/acme-challenge/tok-123", "mcp.example.jp");
    assert.equal(acme.status, 200);
    assert.equal(acme.body, "tok-123.thumbprint");
    const missing = await http(ng, "/.well-known/acme-challenge/nope", "mcp.example.jp");
    assert.equal(missing.status, 404, "a missing token is a 404, not a redirect");
  });

  it("sends HSTS and no nginx version over HTTPS", async () => {
    const r = await https(ng, { path: "/healthz" });
    assert.equal(r.status, 200);
    assert.equal(r.headers["strict-transport-security"], "max-age=63072000; includeSubDomains");
    assert.equal(r.headers.server, "nginx");
    const notFound = await https(ng, { path: "/nope" });
    assert.equal(notFound.headers["strict-transport-security"], "max-age=63072000; includeSubDomains", "on errors too");
  });

  const handshake = (maxVersion: tls.SecureVersion, minVersion: tls.SecureVersion = "TLSv1") =>
    new Promise<string>((resolve, reject) => {
      const s = tls.connect({
        host: "127.0.0.1",
        port: ng.httpsPort,
        servername: "localhost",
        ca: ng.cert,
        minVersion,
        maxVersion,
        // Let this client offer TLS 1.1 at all (OpenSSL 3 refuses it at the default security level), so
        // that the refusal is nginx's.
        ciphers: "DEFAULT:@SECLEVEL=0",
      });
      s.once("secureConnect", () => {
        resolve(s.getProtocol() ?? "");
        s.end();
      });
      s.once("error", reject);
    });

  it("refuses TLS 1.1 and speaks TLS 1.2 and 1.3", async () => {
    await assert.rejects(handshake("TLSv1.1"), (err: NodeJS.ErrnoException) => {
      assert.match(String(err.code), /ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|WRONG_VERSION/);
      return true;
    });
    assert.equal(await handshake("TLSv1.2"), "TLSv1.2");
    assert.equal(await handshake("TLSv1.3", "TLSv1.3"), "TLSv1.3");
  });

  it("keys the rate limit on the client nginx saw (X-Forwarded-For), not on nginx, and ignores a spoofed one", async () => {
    const list = (from: string, headers: Record<string, string> = {}) =>
      https(ngLimited, {
        method: "POST",
        path: "/mcp",
        from,
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-06-18",
          ...headers,
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
    // Client A (127.0.0.2) spends its 3 requests, the last while claiming to be someone else.
    assert.equal((await list("127.0.0.2")).status, 200);
    assert.equal((await list("127.0.0.2")).status, 200);
    assert.equal((await list("127.0.0.2", { "x-forwarded-for": "198.51.100.7" })).status, 200);
    const refused = await list("127.0.0.2", { "x-forwarded-for": "203.0.113.9" });
    assert.equal(refused.status, 429, "a made-up X-Forwarded-For does not buy a fresh budget");
    // Client B (127.0.0.3) comes through the same nginx: its budget is its own.
    assert.equal((await list("127.0.0.3")).status, 200, "client B is not limited by client A's calls");
  });

  it("keeps the proxy timeouts and body limit of the VPS timeout chain", () => {
    const conf = readFileSync(SHIPPED_NGINX_CONF, "utf8");
    const t = vpsTimeouts();
    const one = (re: RegExp) => {
      const all = [...conf.matchAll(re)];
      assert.equal(all.length, 1, String(re));
      return Number(all[0][1]);
    };
    assert.equal(one(/^\s*proxy_read_timeout (\d+)s;/gm), t.chain.loadBalancer?.readTimeoutS);
    assert.equal(one(/^\s*proxy_send_timeout (\d+)s;/gm), t.chain.loadBalancer?.readTimeoutS);
    assert.equal(one(/^\s*keepalive_timeout (\d+)s;\n\s*\}/gm), t.chain.loadBalancer?.idleTimeoutS);
    assert.equal(one(/^\s*client_max_body_size (\d+)m;/gm) * 1024 * 1024, t.maxBodyBytes);
  });
});

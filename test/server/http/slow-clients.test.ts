import assert from "node:assert/strict";
import { connect as tcp, type Socket } from "node:net";
import { modernToolCall } from "../../helpers/mcp-wire.ts";
import { useServer } from "../../helpers/server.ts";

const KEY = "slow-clients-key-0123456789";

/** A raw socket that records what the server sent and when it closed (ms after opening). */
function open(base: string) {
  const url = new URL(base);
  const socket: Socket = tcp(Number(url.port), url.hostname);
  const started = performance.now();
  const seen = { text: "", closedAt: undefined as number | undefined };
  socket.setEncoding("utf8");
  socket.on("data", (d: string) => {
    seen.text += d;
  });
  socket.on("error", () => {});
  const closed = new Promise<number>((resolve) =>
    socket.once("close", () => resolve((seen.closedAt = performance.now() - started))),
  );
  return { socket, seen, closed };
}

/** Write one byte every `everyMs` until the socket closes. */
function dribble(socket: Socket, everyMs: number, byte = "x") {
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(byte);
  }, everyMs);
  socket.once("close", () => clearInterval(timer));
}

const within = (p: Promise<number>, ms: number) =>
  Promise.race([p, new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms))]);

describe("slow and greedy clients (slowloris)", function () {
  this.timeout(15_000);
  const s = useServer({
    env: {
      MCP_API_KEYS: KEY,
      HTTP_HEADERS_TIMEOUT_MS: "800",
      HTTP_REQUEST_TIMEOUT_MS: "1500",
      MAX_CONNECTIONS_PER_IP: "6",
      STREAM_AFTER_MS: "200",
      SSE_KEEPALIVE_MS: "300",
    },
  });
  const host = () => `Host: ${new URL(s.srv.base).host}\r\n`;

  it("closes a connection whose headers dribble in, after HTTP_HEADERS_TIMEOUT_MS", async () => {
    const c = open(s.srv.base);
    c.socket.write(`POST /mcp HTTP/1.1\r\n${host()}`);
    c.socket.write("X-Slow: ");
    dribble(c.socket, 100, "a");
    const at = await within(c.closed, 5000);
    assert.match(c.seen.text, /^HTTP\/1\.1 408/);
    assert.ok(at >= 700, `not before the timeout: ${at}`);
  });

  it("closes a connection whose body dribbles in, after HTTP_REQUEST_TIMEOUT_MS, even with a valid key", async () => {
    const c = open(s.srv.base);
    c.socket.write(
      `POST /mcp HTTP/1.1\r\n${host()}Authorization: Bearer ${KEY}\r\nContent-Type: application/json\r\n` +
        "Accept: application/json, text/event-stream\r\nContent-Length: 10000\r\n\r\n{",
    );
    dribble(c.socket, 100, " ");
    const at = await within(c.closed, 5000);
    assert.match(c.seen.text, /^HTTP\/1\.1 408/);
    assert.ok(at >= 1400, `not before the timeout: ${at}`);
  });

  it("answers an authentication refusal (403) at once and closes the socket instead of waiting on a dribbling body", async () => {
    const c = open(s.srv.base);
    c.socket.write(`POST /mcp HTTP/1.1\r\n${host()}Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n{`);
    dribble(c.socket, 50, " ");
    const at = await within(c.closed, 1000);
    assert.match(c.seen.text, /^HTTP\/1\.1 403/);
    assert.match(c.seen.text, /connection: close/i);
    assert.ok(at < 1000, `closed in ${at} ms`);
  });

  it("answers 413 at once and closes the socket when the declared body is over the limit", async () => {
    const c = open(s.srv.base);
    c.socket.write(
      `POST /mcp HTTP/1.1\r\n${host()}Authorization: Bearer ${KEY}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${2 * 1024 * 1024}\r\n\r\n{`,
    );
    dribble(c.socket, 50, " ");
    await within(c.closed, 1000);
    assert.match(c.seen.text, /^HTTP\/1\.1 413/);
  });

  it("refuses connections beyond MAX_CONNECTIONS_PER_IP with a 503, and takes new ones once others close", async () => {
    const held = Array.from({ length: 6 }, () => open(s.srv.base));
    await new Promise((r) => setTimeout(r, 100));
    const extra = open(s.srv.base);
    await within(extra.closed, 1000);
    assert.match(extra.seen.text, /^HTTP\/1\.1 503/);
    assert.match(extra.seen.text, /Too many open connections/);
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    await new Promise((r) => setTimeout(r, 50));
    const res = await fetch(`${s.srv.base}/healthz`);
    assert.equal(res.status, 200);
  });

  it("lets an SSE answer stream longer than HTTP_REQUEST_TIMEOUT_MS: the timeout is on receiving the request", async () => {
    s.fake.on("getStatsList", () => ({ delayMs: 2500 }));
    const started = performance.now();
    const res = await fetch(
      `${s.srv.base}/mcp`,
      modernToolCall("search_stats", { query: "人口" }, { headers: { authorization: `Bearer ${KEY}` } }),
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    const body = await res.text();
    assert.ok(performance.now() - started > 2000);
    assert.match(body, /"total":55/);
    s.fake.reset();
  });
});

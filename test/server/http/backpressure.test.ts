/**
 * Issue 9, crash 3: clients that ask for big answers and never read them pinned the answers in the
 * server's memory for as long as they kept the connection. Raw sockets on 127.0.0.1 send a request for
 * a 10,000-row answer and stop reading; the server must close them, keep serving a well-behaved
 * client meanwhile, and stay healthy. (How much a stalled answer holds is a figure: npm run
 * bench:slow-readers.)
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect as tcp, type Socket } from "node:net";
import { SyntheticTable } from "../../helpers/estat-table.ts";
import { FakeEstat } from "../../helpers/fake-estat.ts";
import { type Running, startServer } from "../../helpers/server.ts";

const KEY = "test-key-0123456789abcdef";

describe("answers to clients that stop reading (server/http/backpressure.ts)", function () {
  this.timeout(60_000);
  const table = new SyntheticTable({ rows: 20_000, statsDataId: "0000020000", pageSize: 10_000 });
  let fake: FakeEstat;
  let srv: Running;
  const port = () => Number(new URL(srv.base).port);

  before(async () => {
    fake = await new FakeEstat().listen();
    fake.addSynthetic(table);
    srv = await startServer({
      ESTAT_API_URL: fake.url,
      ESTAT_APP_ID: fake.appId,
      MCP_API_KEYS: KEY,
      RESPONSE_BUFFER_MAX_BYTES: String(64 * 1024),
      RESPONSE_STALL_MS: "3000",
    });
  });
  after(async () => {
    await srv.close();
    await fake.close();
  });

  const body = JSON.stringify({ tool_name: "get_stats_data", arguments: { statsDataId: table.statsDataId, limit: 10_000 } });
  const request =
    `POST /execute HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

  /**
   * A client that sends its requests and then reads nothing (its socket paused). Loopback's kernel
   * buffers take a few MB of the first answer; the answers pipelined behind it wait in the server.
   */
  async function rawClient(requests: number): Promise<Socket> {
    const socket = tcp({ host: "127.0.0.1", port: port() });
    await once(socket, "connect");
    socket.on("error", () => {});
    socket.pause();
    socket.write(request.repeat(requests));
    return socket;
  }

  /** Reads what is left until the connection ends (bounded in time); returns the bytes received. */
  async function drain(socket: Socket, ms: number): Promise<{ bytes: number; ended: boolean }> {
    let bytes = 0;
    socket.on("data", (c: Buffer) => {
      bytes += c.length;
    });
    socket.resume();
    // A reset (the server closed with our requests unread) may already have closed it.
    if (socket.closed) return { bytes, ended: true };
    const ended = await Promise.race([
      once(socket, "close").then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
    ]);
    return { bytes, ended };
  }

  const drops = () => srv.logs.filter((l) => l.includes('"event":"slow_reader_dropped"'));
  const until = async (what: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; !what() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
  };

  it("closes the connections of clients that stop reading 10,000-row answers, and keeps serving others", async () => {
    const full = (await (await fetch(`${srv.base}/execute`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body,
    })).arrayBuffer()).byteLength;
    assert.ok(full > 1_000_000, `one answer is ${full} bytes`);
    const stalled = await Promise.all(Array.from({ length: 6 }, () => rawClient(3)));
    try {
      // A well-behaved client asks for the same answer meanwhile and reads it whole.
      const res = await fetch(`${srv.base}/execute`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body,
      });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { result: { rows: unknown[] } }).result.rows.length, 10_000);

      await until(() => drops().length >= stalled.length, 15_000);
      assert.equal(drops().length, stalled.length, "one warning per dropped answer");
      assert.match(drops()[0], /"reason":"(over_limit|total)"/);
      // What the kernel had already taken still arrives, then the connection ends: not all three answers.
      for (const s of stalled) {
        const { bytes, ended } = await drain(s, 5_000);
        assert.equal(ended, true, `the server closed the connection (got ${bytes} bytes)`);
        assert.ok(bytes < 3 * full, `the client got ${bytes} of ${3 * full} bytes`);
      }
      assert.equal((await fetch(`${srv.base}/healthz`)).status, 200);
    } finally {
      for (const s of stalled) s.destroy();
    }
  });

  it("leaves a client that reads slowly but steadily alone: it gets all three answers", async () => {
    const before = drops().length;
    const socket = await rawClient(3);
    const chunks: Buffer[] = [];
    let bytes = 0;
    // At most 256 KB every 100 ms: slow, but always progressing.
    const reader = setInterval(() => {
      const c = socket.read(Math.min(256 * 1024, socket.readableLength)) as Buffer | null;
      if (c) {
        chunks.push(c);
        bytes += c.length;
      }
    }, 100);
    const answers = () => (Buffer.concat(chunks).toString("latin1").match(/HTTP\/1\.1 200 OK/g) ?? []).length;
    const complete = () => answers() === 3 && /\}\}$/.test(Buffer.concat(chunks.slice(-1)).toString("latin1"));
    await until(() => complete() || socket.destroyed, 20_000);
    clearInterval(reader);
    socket.destroy();
    assert.equal(drops().length, before, "no answer of a reading client was dropped");
    assert.equal(answers(), 3, `it received all three answers (${bytes} bytes)`);
    assert.ok(complete(), `the last answer is whole (${bytes} bytes)`);
    assert.ok(bytes > 3_000_000, `it received ${bytes} bytes, more than the kernel buffers hold`);
  });
});

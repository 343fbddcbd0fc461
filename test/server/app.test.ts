/**
 * createApp's one log channel for errors Koa catches (server/app.ts, app.on("error")): a client that
 * vanishes mid-answer is an info line `client_gone`, not a server error.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect as tcp } from "node:net";
import { SyntheticTable } from "../helpers/estat-table.ts";
import { useServer } from "../helpers/server.ts";
import { until } from "../helpers/spawn.ts";

const KEY = "client-gone-key-0123456789abcdef";
const table = new SyntheticTable({ rows: 10_000, statsDataId: "0000010000" });

describe("createApp's error channel (app.on('error'))", () => {
  const s = useServer({ synthetic: [table], env: { MCP_API_KEYS: KEY } });

  it("logs a client that resets its connection mid-answer as info client_gone, not koa_error", async () => {
    const { srv } = s;
    // Three pipelined requests for 10,000-row answers (several MB each): more than loopback's kernel
    // buffers take, so the server is still writing when the connection is reset.
    const body = JSON.stringify({ tool_name: "get_stats_data", arguments: { statsDataId: table.statsDataId, limit: 10_000 } });
    const request =
      `POST /execute HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const socket = tcp({ host: "127.0.0.1", port: Number(new URL(srv.base).port) });
    await once(socket, "connect");
    socket.on("error", () => {});
    socket.write(request.repeat(3));
    const [first] = (await once(socket, "data")) as [Buffer];
    assert.match(first.toString("latin1"), /^HTTP\/1\.1 200 /, "the answer had begun");
    // From here on nothing is read: the kernel's buffers fill and the rest waits in the server.
    socket.pause();
    await until(() => srv.logs.filter((l) => l.includes('"event":"request"')).length === 3, 10_000, "three answers rendered");
    // Closed with unread data, the socket sends a RST: the server's next write fails.
    socket.resetAndDestroy();

    const gone = () => srv.logs.filter((l) => l.includes('"event":"client_gone"'));
    await until(() => gone().length > 0, 10_000, "a client_gone line");
    const line = JSON.parse(gone()[0]!) as { level: string; code: string; msg: string };
    assert.equal(line.level, "info");
    assert.ok(["ECONNRESET", "EPIPE"].includes(line.code), `code ${line.code}`);
    assert.equal(line.msg, "client closed the connection");
    assert.deepEqual(srv.logs.filter((l) => l.includes('"event":"koa_error"')), []);
    assert.equal((await fetch(`${srv.base}/healthz`)).status, 200, "and the server keeps serving");
  });
});

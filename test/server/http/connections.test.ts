import assert from "node:assert/strict";
import { Agent, fetch } from "undici";
import { type Running, startServer } from "../../helpers/server.ts";

const KEY = "connections-key-0123456789";
const auth = { authorization: `Bearer ${KEY}` };
const json = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const list = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} });

describe("early answers and keep-alive connections (issue 8)", function () {
  // Today's failure is a hang (the next request waits on a socket whose unread body blocks it): bound it.
  this.timeout(5000);
  let srv: Running;
  let agent: Agent;
  before(async () => {
    srv = await startServer({ ESTAT_APP_ID: "connections-app-id-0000", MCP_API_KEYS: KEY, RATE_LIMIT_PER_MINUTE: "0" });
  });
  after(() => srv.close());
  // One connection, so the next request can only go down the socket the early answer used (or a new one).
  beforeEach(() => {
    agent = new Agent({ connections: 1, pipelining: 1 });
  });
  afterEach(() => agent.destroy());

  const next = async () => {
    const res = await fetch(`${srv.base}/mcp`, { method: "POST", headers: { ...json, ...auth }, body: list, dispatcher: agent });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /search_stats/);
  };

  it("serves the next request on the same agent after a 413 (a 2 MiB body over the 1 MiB limit)", async () => {
    const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "x".repeat(2 * 1024 * 1024) } });
    const res = await fetch(`${srv.base}/mcp`, { method: "POST", headers: { ...json, ...auth }, body: big, dispatcher: agent });
    assert.equal(res.status, 413);
    assert.equal(res.headers.get("connection"), "close");
    await res.text();
    await next();
  });

  it("serves the next request on the same agent after an authentication refusal (403) with an unread body", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "x".repeat(256 * 1024) } });
    const res = await fetch(`${srv.base}/mcp`, { method: "POST", headers: json, body, dispatcher: agent });
    // API keys answer 403, never a 401 that clients read as an OAuth challenge (server/http/auth/api-keys.ts).
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("connection"), "close");
    await res.text();
    await next();
  });

  it("serves the next request on the same agent after a 400", async () => {
    const res = await fetch(`${srv.base}/mcp`, { method: "POST", headers: { ...json, ...auth }, body: "{not json", dispatcher: agent });
    assert.equal(res.status, 400);
    await res.text();
    await next();
  });

  it("keeps the connection alive after an answer that read the whole body", async () => {
    const res = await fetch(`${srv.base}/mcp`, { method: "POST", headers: { ...json, ...auth }, body: list, dispatcher: agent });
    assert.equal(res.status, 200);
    assert.notEqual(res.headers.get("connection"), "close");
    await res.text();
    await next();
  });
});

/**
 * The authenticator seam (server/http/auth/) with API keys: the middleware asks the Authenticator, the
 * principal lands on req.auth, and the MCP SDK hands it to tools as authInfo. Also issue 9: failed
 * authentications are throttled per client address and what is logged per failure is bounded; and
 * issue 10: a loopback server without auth (npm start, the demo) does not rate-limit its user.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { toNodeHandler } from "@modelcontextprotocol/node";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import Koa from "koa";
import { z } from "zod";
import { keyId } from "../../server/auth.ts";
import { requestContext } from "../../server/context.ts";
import { apiKeyAuthenticator, KEY_INVALID } from "../../server/http/auth/api-keys.ts";
import { authenticate } from "../../server/http/auth/middleware.ts";
import { useServer } from "../helpers/server.ts";

const KEY = "seam-test-key-aaaaaaaaaaaaaaaa";
const WRONG = "seam-wrong-key-bbbbbbbbbbbbbbb";

describe("authenticate(apiKeyAuthenticator) (server/http/auth/middleware.ts)", () => {
  let server: Server;
  let base: string;
  before(async () => {
    // A tool that reports what the SDK handed it: the seam's whole promise, seen from a tool.
    const factory = () => {
      const mcp = new McpServer({ name: "seam", version: "1" });
      mcp.registerTool("whoami", { inputSchema: z.object({}) }, (_args, ctx) => ({
        content: [{ type: "text", text: JSON.stringify(ctx.http?.authInfo ?? null) }],
      }));
      return mcp;
    };
    const handler = toNodeHandler(createMcpHandler(factory, { legacy: "stateless", responseMode: "json" }));
    const app = new Koa();
    app.use((ctx, next) => requestContext.run({ id: "t", upstream: 0, upstreamMs: 0 }, next));
    app.use(authenticate(apiKeyAuthenticator([KEY]), { failuresPerMinute: 0 }));
    app.use(async (ctx) => {
      ctx.respond = false;
      await handler(ctx.req, ctx.res);
    });
    server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  for (const era of ["modern", "legacy"] as const) {
    it(`hands the key's principal to tools as authInfo, never the key (${era} era)`, async () => {
      const client = new Client({ name: "t", version: "1" }, era === "modern" ? { versionNegotiation: { mode: "auto" } } : {});
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { "x-api-key": KEY } } }),
      );
      const r = await client.callTool({ name: "whoami", arguments: {} });
      const text = (r.content as { text: string }[])[0].text;
      assert.deepEqual(JSON.parse(text), {
        token: "",
        clientId: keyId(KEY),
        scopes: [],
        extra: { kind: "key", principal: keyId(KEY) },
      });
      assert.ok(!text.includes(KEY));
      await client.close();
    });
  }

  it("answers the authenticator's refusal before the MCP handler runs", async () => {
    const res = await fetch(`${base}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "x-api-key": WRONG },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { jsonrpc: "2.0", error: { code: -32001, message: KEY_INVALID }, id: null });
  });
});

describe("failed authentications (AUTH_FAILURES_PER_MINUTE), issue 9", () => {
  const s = useServer({
    estat: false,
    env: {
      ESTAT_APP_ID: "throttle-app-id-000000",
      MCP_API_KEYS: KEY,
      AUTH_FAILURES_PER_MINUTE: "3",
      RATE_LIMIT_PER_MINUTE: "0",
      TRUSTED_PROXY_HOPS: "1",
    },
  });

  // With one trusted proxy the client address is the last X-Forwarded-For entry: one per "client" here.
  const from = (ip: string, key: string, id?: string) =>
    fetch(`${s.srv.base}/tools`, {
      headers: { "x-forwarded-for": ip, "x-api-key": key, ...(id ? { "x-request-id": id } : {}) },
    });

  it("answers 429 once an address has failed 3 times in a minute, even to the right key; others are unaffected", async () => {
    for (let i = 0; i < 3; i++) assert.equal((await from("198.51.100.1", WRONG)).status, 403);
    const refused = await from("198.51.100.1", WRONG);
    assert.equal(refused.status, 429);
    const retry = Number(refused.headers.get("retry-after"));
    assert.ok(retry >= 1 && retry <= 60, String(retry));
    assert.deepEqual(await refused.json(), {
      jsonrpc: "2.0",
      error: {
        code: -32029,
        message: `Too many failed authentications from this address (3 per 60 s). Retry after ${retry} s.`,
      },
      id: null,
    });
    // Guessing right no longer tells the guesser anything from this address.
    assert.equal((await from("198.51.100.1", KEY, "throttled-right-key")).status, 429);
    assert.equal((await from("198.51.100.2", KEY)).status, 200);
    assert.equal((await from("198.51.100.2", WRONG)).status, 403);
    const line = JSON.parse(s.srv.logs.find((l) => l.includes('"id":"throttled-right-key"')) ?? "{}");
    assert.equal(line.authFailure, "throttled");
  });

  it("does not count successful calls against the address", async () => {
    for (let i = 0; i < 10; i++) assert.equal((await from("198.51.100.3", KEY)).status, 200);
    assert.equal((await from("198.51.100.3", WRONG)).status, 403);
  });

  it("logs a bounded line for a 9 KB bad key on a 6 KB path (near Node's 16 KB header limit), and never the key", async () => {
    const huge = `x${"k".repeat(9_000)}`;
    const path = `/${"p".repeat(6_000)}`;
    const res = await fetch(`${s.srv.base}${path}`, {
      headers: { "x-forwarded-for": "198.51.100.4", "x-api-key": huge, "x-request-id": "huge-bad-key" },
    });
    assert.equal(res.status, 403);
    const lines = s.srv.logs.filter((l) => l.includes('"id":"huge-bad-key"'));
    assert.equal(lines.length, 1);
    assert.ok(lines[0].length < 1024, `${lines[0].length} bytes logged`);
    assert.equal(JSON.parse(lines[0]).authFailure, "invalid_key");
    assert.ok(!s.srv.logs.some((l) => l.includes("kkkkkkkkkkkkkkkk")));
  });
});

describe("a loopback server without auth (npm start, npm run demo), issue 10", () => {
  const s = useServer({ estat: false, env: { ESTAT_APP_ID: "explore-app-id-0000000" } });

  it("answers 150 calls in a row without a 429 or rate-limit headers", async () => {
    for (let i = 0; i < 150; i++) {
      const res = await fetch(`${s.srv.base}/tools`);
      assert.equal(res.status, 200, `call ${i + 1}`);
      assert.equal(res.headers.get("ratelimit-limit"), null);
      await res.arrayBuffer();
    }
  });
});

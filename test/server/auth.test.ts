import assert from "node:assert/strict";
import { keyId } from "../../server/auth.ts";
import { KEY_INVALID as INVALID, KEY_MISSING as MISSING } from "../../server/http/auth/api-keys.ts";
import { ConfigError, parseEnv } from "../../server/config.ts";
import { connect, rawRequest, rpc, useServer } from "../helpers/server.ts";

const K1 = "k1-test-key-aaaaaaaaaaaaaaaa";
const K2 = "k2_test~key.bbbbbbbbbbbbbbbb";
const WRONG = "wrong-key-cccccccccccccccccc";
const bearer = (k: string) => ({ authorization: `Bearer ${k}` });
const xKey = (k: string) => ({ "x-api-key": k });

const LIST = { jsonrpc: "2.0", id: 1, method: "tools/list" };
const EXECUTE = JSON.stringify({ tool_name: "get_table_url", arguments: { statsDataId: "0003445078" } });

/** Every protected route, with a request that succeeds once the key is right. */
const ROUTES = [
  { name: "POST /mcp", method: "POST", path: "/mcp", body: JSON.stringify(LIST) },
  { name: "GET /tools", method: "GET", path: "/tools" },
  { name: "POST /tools", method: "POST", path: "/tools" },
  { name: "POST /execute", method: "POST", path: "/execute", body: EXECUTE },
];

function call(base: string, route: (typeof ROUTES)[number], headers: Record<string, string> = {}) {
  return fetch(`${base}${route.path}`, {
    method: route.method,
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: route.body,
  });
}

// 403 without WWW-Authenticate, and no "Unauthorized" in the text: what every client shows instead of
// starting an OAuth sign-in (server/http/auth/api-keys.ts; the real clients in auth-clients.test.ts).
describe("API key refusals (server/http/auth/api-keys.ts)", () => {
  it("say what to send and where keys come from, without the word mcp-remote reads as 'start OAuth'", () => {
    assert.equal(
      MISSING,
      "API key required: send it as 'X-API-Key: <key>' or 'Authorization: Bearer <key>'. " +
        "Keys come from whoever runs this server (MCP_API_KEYS on the server; `npm run keygen` makes one).",
    );
    assert.equal(
      INVALID,
      "API key not accepted: it is not one of this server's MCP_API_KEYS. Check the key in your client's " +
        "configuration, sent as 'X-API-Key: <key>' or 'Authorization: Bearer <key>'.",
    );
    for (const m of [MISSING, INVALID]) assert.doesNotMatch(m, /unauthorized/i);
  });
});

describe("API keys (MCP_API_KEYS) on every route", () => {
  const s = useServer({
    env: { MCP_API_KEYS: `${K1},${K2}`, RATE_LIMIT_PER_MINUTE: "0", AUTH_FAILURES_PER_MINUTE: "0" },
  });

  for (const route of ROUTES) {
    it(`${route.name} without a key: 403, a JSON-RPC error, no OAuth challenge`, async () => {
      const res = await call(s.srv.base, route);
      assert.equal(res.status, 403);
      assert.equal(res.headers.get("www-authenticate"), null);
      assert.deepEqual(await res.json(), { jsonrpc: "2.0", error: { code: -32001, message: MISSING }, id: null });
    });

    it(`${route.name} with a wrong key: 403`, async () => {
      for (const headers of [bearer(WRONG), xKey(WRONG), { authorization: `Basic ${K1}` }]) {
        const res = await call(s.srv.base, route, headers);
        assert.equal(res.status, 403, JSON.stringify(headers));
        assert.equal(res.headers.get("www-authenticate"), null);
        const body = (await res.json()) as { error: { code: number; message: string } };
        assert.equal(body.error.code, -32001);
      }
      const res = await call(s.srv.base, route, bearer(WRONG));
      assert.equal(((await res.json()) as { error: { message: string } }).error.message, INVALID);
    });

    it(`${route.name} accepts both rotated keys, as Bearer and as X-API-Key`, async () => {
      for (const headers of [bearer(K1), xKey(K1), bearer(K2), xKey(K2)]) {
        const res = await call(s.srv.base, route, headers);
        assert.equal(res.status, 200, `${JSON.stringify(headers)}: ${await res.clone().text()}`);
        await res.text();
      }
    });
  }

  it("accepts a key the client URL-encoded", async () => {
    const encoded = [...K2].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join("");
    for (const headers of [bearer(encoded), xKey(encoded), xKey(encodeURIComponent(K1).replace(/-/g, "%2D"))]) {
      const res = await call(s.srv.base, ROUTES[1], headers);
      assert.equal(res.status, 200, JSON.stringify(headers));
    }
  });

  it("lets the official SDK client in with either header, in both eras", async () => {
    for (const [era, headers] of [
      ["modern", bearer(K1)],
      ["legacy", xKey(K2)],
    ] as const) {
      const client = await connect(s.srv.base, era, headers);
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === "search_stats"));
      await client.close();
    }
  });

  it("keeps /healthz and /readyz open", async () => {
    assert.equal((await fetch(`${s.srv.base}/healthz`)).status, 200);
    const ready = await fetch(`${s.srv.base}/readyz`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { status: string; checks: Record<string, string> };
    assert.equal(body.status, "ready");
    assert.equal(body.checks.estat, "configured");
  });

  it("answers /.well-known/oauth-protected-resource with a plain 404 (with a key)", async () => {
    const res = await fetch(`${s.srv.base}/.well-known/oauth-protected-resource`, { headers: bearer(K1) });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get("www-authenticate"), null);
  });

  // Clients probe discovery without a key; a 401 here is what starts OAuth.
  // Regression: the auth middleware used to answer /.well-known/* with 401 before the 404 handler ran.
  it("answers /.well-known/oauth-protected-resource with a plain 404 (without a key)", async () => {
    for (const path of ["/.well-known/oauth-protected-resource", "/.well-known/oauth-authorization-server"]) {
      const res = await fetch(`${s.srv.base}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(res.headers.get("www-authenticate"), null, path);
    }
  });

  it("logs key ids, never keys", async () => {
    const res = await call(s.srv.base, ROUTES[1], { ...xKey(K2), "x-request-id": "auth-log-k2" });
    assert.equal(res.status, 200);
    await call(s.srv.base, ROUTES[1], { ...bearer(WRONG), "x-request-id": "auth-log-wrong" });
    const line = (id: string) => JSON.parse(s.srv.logs.find((l) => l.includes(`"id":"${id}"`)) ?? "{}");
    assert.equal(line("auth-log-k2").keyId, keyId(K2));
    assert.match(keyId(K2), /^key_[0-9a-f]{8}$/);
    assert.equal(line("auth-log-wrong").status, 403);
    assert.equal(line("auth-log-wrong").keyId, undefined);
    assert.equal(line("auth-log-wrong").authFailure, "invalid_key");
    for (const secret of [K1, K2, WRONG]) {
      assert.equal(s.srv.logs.filter((l) => l.includes(secret)).length, 0, secret);
    }
  });
});

describe("request limits and browser origins", () => {
  const s = useServer({
    estat: false,
    env: {
      ESTAT_APP_ID: "limits-app-id-000000",
      MCP_API_KEYS: K1,
      MAX_BODY_BYTES: "2048",
      ALLOWED_ORIGINS: "https://app.example.jp",
      RATE_LIMIT_PER_MINUTE: "0",
    },
  });

  const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "x".repeat(4000) } });
  const message = "Request body too large: the limit is 2048 bytes.";

  it("answers a body over MAX_BODY_BYTES on /mcp with 413 and a JSON-RPC error", async () => {
    const r = await rpc(s.srv.base, big, bearer(K1));
    assert.equal(r.status, 413);
    assert.deepEqual(JSON.parse(r.text), { jsonrpc: "2.0", error: { code: -32000, message }, id: null });
  });

  it("answers a body over MAX_BODY_BYTES on /execute with 413", async () => {
    const res = await fetch(`${s.srv.base}/execute`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(K1) },
      body: JSON.stringify({ tool_name: "get_table_url", arguments: { statsDataId: "x".repeat(4000) } }),
    });
    assert.equal(res.status, 413);
    assert.deepEqual(await res.json(), { success: false, error: message });
  });

  it("answers 413 to a chunked body without Content-Length once it passes the limit", async () => {
    const res = await fetch(`${s.srv.base}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...bearer(K1) },
      body: new Blob([big]).stream(),
      duplex: "half",
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { message: string } }).error.message, message);
  });

  it("accepts a body just under the limit", async () => {
    const fits = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "x".repeat(1900) } });
    const r = await rpc(s.srv.base, fits, bearer(K1));
    assert.notEqual(r.status, 413);
  });

  it("refuses JSON nested deeper than 32 levels", async () => {
    const deep = `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":${"[".repeat(40)}${"]".repeat(40)}}`;
    const r = await rpc(s.srv.base, deep, bearer(K1));
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.text).error.code, -32600);
  });

  it("answers a foreign Origin with 403, even with a valid key", async () => {
    for (const path of ["/mcp", "/execute", "/tools"]) {
      const r = await rawRequest(s.srv.base, {
        path,
        headers: { "content-type": "application/json", origin: "https://evil.example.com", ...bearer(K1) },
        body: path === "/execute" ? EXECUTE : JSON.stringify(LIST),
      });
      assert.equal(r.status, 403, path);
      assert.equal(
        JSON.parse(r.text).error.message,
        "Forbidden: Origin not allowed. Add it to ALLOWED_ORIGINS to call this server from a browser.",
      );
    }
    const allowed = await rpc(s.srv.base, LIST, { origin: "https://app.example.jp", ...bearer(K1) });
    assert.equal(allowed.status, 200);
  });
});

describe("parseEnv: who may call (server/config.ts)", () => {
  it("refuses a non-loopback HOST without keys and explains MCP_AUTH=none", () => {
    for (const HOST of ["0.0.0.0", "::", "10.0.1.23"]) {
      assert.throws(
        () => parseEnv({ HOST }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.match(err.message, new RegExp(`^HOST=${HOST} exposes the server beyond this machine, but no MCP_API_KEYS are set\\.`));
          assert.match(err.message, /npm run keygen/);
          assert.match(err.message, /MCP_AUTH=none if something in front of the server .* already decides who may call it/);
          return true;
        },
      );
    }
  });

  it("starts on 0.0.0.0 with keys, or with MCP_AUTH=none said explicitly", () => {
    assert.deepEqual(parseEnv({ HOST: "0.0.0.0", MCP_API_KEYS: `${K1}, ${K2}` }).auth, {
      mode: "keys",
      keys: [K1, K2],
    });
    assert.deepEqual(parseEnv({ HOST: "0.0.0.0", MCP_API_KEY: K1 }).auth, { mode: "keys", keys: [K1] });
    assert.deepEqual(parseEnv({ HOST: "0.0.0.0", MCP_AUTH: "none" }).auth, { mode: "none", keys: [] });
    assert.deepEqual(parseEnv({ HOST: "127.0.0.1" }).auth, { mode: "none", keys: [] });
  });

  it("refuses keys that are short or not URL-safe", () => {
    for (const key of ["short", "has space in the middle!!", "slash/not+url=safe0000"]) {
      assert.throws(() => parseEnv({ MCP_API_KEYS: key }), /every key must be at least 16 URL-safe characters/);
    }
  });

  // Issue 10: the demo rate-limited its own user after ~15 calls. The limit is for deployed servers.
  it("defaults the rate limit to 100 per minute wherever callers authenticate, off on loopback without auth", () => {
    assert.equal(parseEnv({ MCP_API_KEYS: K1 }).rateLimitPerMinute, 100);
    assert.equal(parseEnv({ HOST: "0.0.0.0", MCP_API_KEYS: K1 }).rateLimitPerMinute, 100);
    assert.equal(parseEnv({ HOST: "0.0.0.0", MCP_AUTH: "none" }).rateLimitPerMinute, 100);
    assert.equal(parseEnv({}).rateLimitPerMinute, 0);
    assert.equal(parseEnv({ HOST: "127.0.0.1" }).rateLimitPerMinute, 0);
    assert.equal(parseEnv({ RATE_LIMIT_PER_MINUTE: "5" }).rateLimitPerMinute, 5);
    assert.equal(parseEnv({ MCP_API_KEYS: K1, RATE_LIMIT_PER_MINUTE: "0" }).rateLimitPerMinute, 0);
  });
});

// Needs app.ts to mount createRateLimit after auth (see server/rate-limit.ts).
describe("rate limits per key (RATE_LIMIT_PER_MINUTE)", () => {
  const s = useServer({
    estat: false,
    env: { ESTAT_APP_ID: "rate-app-id-00000000", MCP_API_KEYS: `${K1},${K2}`, RATE_LIMIT_PER_MINUTE: "5" },
  });

  it("answers the 6th request in a minute with 429 and RateLimit-* headers; each key has its own budget", async () => {
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${s.srv.base}/healthz`)).status, 200);
    for (let i = 1; i <= 5; i++) {
      const res = await call(s.srv.base, ROUTES[i % 2 === 0 ? 1 : 3], bearer(K1));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("ratelimit-limit"), "5");
      assert.equal(res.headers.get("ratelimit-remaining"), String(5 - i));
      await res.text();
    }
    const refused = await call(s.srv.base, ROUTES[0], xKey(K1));
    assert.equal(refused.status, 429);
    const retry = Number(refused.headers.get("retry-after"));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    assert.equal(refused.headers.get("ratelimit-limit"), "5");
    assert.equal(refused.headers.get("ratelimit-remaining"), "0");
    assert.equal(refused.headers.get("ratelimit-reset"), String(retry));
    assert.deepEqual(await refused.json(), {
      jsonrpc: "2.0",
      error: { code: -32029, message: `Rate limit exceeded: 5 requests per 60 s. Retry after ${retry} s.` },
      id: null,
    });
    const other = await call(s.srv.base, ROUTES[0], bearer(K2));
    assert.equal(other.status, 200);
    assert.equal(other.headers.get("ratelimit-remaining"), "4");
    assert.equal((await fetch(`${s.srv.base}/healthz`)).status, 200);
  });
});

// The client IP is read behind TRUSTED_PROXY_HOPS proxies (app.ts: Koa's maxIpsCount), so it cannot be spoofed.
describe("rate limits per client address when auth is off", () => {
  const s = useServer({ estat: false, env: { ESTAT_APP_ID: "rate-ip-app-id-000000", RATE_LIMIT_PER_MINUTE: "2" } });

  // The load balancer appends the address it saw; whatever the client put before it is its own invention.
  it("counts the address the load balancer saw, not a spoofed X-Forwarded-For", async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const res = await fetch(`${s.srv.base}/tools`, { headers: { "x-forwarded-for": `198.51.100.${i}, 203.0.113.7` } });
      statuses.push(res.status);
      await res.text();
    }
    assert.deepEqual(statuses, [200, 200, 429]);
  });
});

/**
 * MCP_AUTH=oauth (issue 15): the server as an OAuth 2.1 resource server, against a real authorization
 * server (oidc-provider on 127.0.0.1, test/helpers/oauth-as.ts) and the official SDK client's OAuth.
 */
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from "@modelcontextprotocol/client";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { freePort } from "../helpers/mcp-wire.ts";
import type { AuthServer } from "../helpers/oauth-as.ts";
import { TestOAuthClient } from "../helpers/oauth-client.ts";
import { oauthServer, type Setup, useOauth } from "../helpers/oauth-server.ts";
import { type Running, startServer, text } from "../helpers/server.ts";

const READ = "estat:read";
const WRITE = "estat:write";
const OTHER = "https://other.example.jp/mcp";
const LIST = { jsonrpc: "2.0", id: 1, method: "tools/list" };
const now = () => Math.floor(Date.now() / 1000);
const scopesOf = (jwt: string) => String(decodeJwt(jwt).scope ?? "").split(" ");

function post(s: Setup, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${s.base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(body),
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The request log line of one request, by its id. */
function logLine(srv: Running, id: string): Record<string, unknown> {
  return JSON.parse(srv.logs.find((l) => l.includes(`"id":"${id}"`)) ?? "{}") as Record<string, unknown>;
}

async function signIn(s: Setup, era: "modern" | "legacy") {
  const oauth = new TestOAuthClient();
  const options = era === "modern" ? { versionNegotiation: { mode: "auto" as const } } : {};
  const url = new URL(`${s.base}/mcp`);
  const first = new Client({ name: "estat-oauth-test", version: "1" }, options);
  const transport = new StreamableHTTPClientTransport(url, { authProvider: oauth });
  await assert.rejects(first.connect(transport), (err: unknown) => err instanceof UnauthorizedError);
  assert.ok(oauth.callback, "the sign-in reached the redirect URI with a code");
  // The whole callback query: the SDK checks `iss` (RFC 9207) as well as the code.
  await transport.finishAuth(oauth.callback);
  const client = new Client({ name: "estat-oauth-test", version: "1" }, options);
  await client.connect(new StreamableHTTPClientTransport(url, { authProvider: oauth }));
  return { client, oauth };
}

describe("MCP_AUTH=oauth: a resource server for a real authorization server (oidc-provider)", () => {
  const s = useOauth((resource) => ({
    resources: [resource, OTHER],
    scopes: [READ, WRITE],
    clients: [{ client_id: "machine", client_secret: "machine-secret-0000000000000000" }],
  }));
  let claims: () => Record<string, unknown>;
  const token = async (extra: Record<string, unknown> = {}, opts?: Parameters<AuthServer["sign"]>[1]) => {
    const t = await s.as.sign({ ...claims(), ...extra }, opts);
    s.srv.secrets.push(t);
    return t;
  };

  before(() => {
    claims = () => ({ iss: s.as.issuer, sub: "user-1", aud: s.resource, client_id: "client-1", scope: READ, iat: now(), exp: now() + 300 });
  });

  describe("Protected Resource Metadata (RFC 9728)", () => {
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      it(`GET ${path} describes /mcp field by field`, async () => {
        const res = await fetch(`${s.base}${path}`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
        assert.deepEqual(await res.json(), {
          resource: s.resource,
          authorization_servers: [s.as.issuer],
          scopes_supported: [READ, WRITE],
          resource_name: "estat-mcp-cloud (e-Stat, Japan's official statistics)",
          bearer_methods_supported: ["header"],
        });
      });
    }

    it("answers other /.well-known paths with a 404 naming the authorization server", async () => {
      const res = await fetch(`${s.base}/.well-known/oauth-authorization-server`);
      assert.equal(res.status, 404);
      const body = (await res.json()) as { error: string };
      assert.ok(body.error.includes(s.as.issuer), body.error);
    });
  });

  describe("401 without a token", () => {
    for (const [path, body] of [
      ["/mcp", LIST],
      ["/execute", { tool_name: "get_table_url", arguments: { statsDataId: "0003445078" } }],
      ["/tools", {}],
    ] as const) {
      it(`POST ${path}: WWW-Authenticate names the metadata and the scopes`, async () => {
        const res = await post(s, path, body);
        assert.equal(res.status, 401);
        assert.equal(
          res.headers.get("www-authenticate"),
          `Bearer resource_metadata="${s.base}/.well-known/oauth-protected-resource/mcp", scope="${READ} ${WRITE}"`,
        );
        await res.arrayBuffer();
      });
    }
  });

  describe("the official SDK client's OAuth, end to end", () => {
    for (const era of ["modern", "legacy"] as const) {
      it(`401 → discovery → registration → code + PKCE + resource → token → tools work (${era} era)`, async () => {
        const registrations = s.as.hits.get("/reg") ?? 0;
        const { client, oauth } = await signIn(s, era);
        assert.equal(s.as.hits.get("/reg"), registrations + 1, "dynamic client registration");
        assert.equal(oauth.authorizations.length, 1);
        const auth = oauth.authorizations[0];
        assert.equal(auth.origin, s.as.issuer);
        assert.equal(auth.searchParams.get("code_challenge_method"), "S256");
        assert.ok(auth.searchParams.get("code_challenge"));
        assert.equal(auth.searchParams.get("resource"), s.resource);
        // The scopes the 401 named (offline_access is the SDK's own addition, for a refresh token).
        assert.deepEqual(auth.searchParams.get("scope")?.split(" ").sort(), [READ, WRITE, "offline_access"].sort());
        const access = oauth.tokens()?.access_token ?? "";
        s.srv.secrets.push(access, oauth.tokens()?.refresh_token ?? "");
        assert.equal(decodeProtectedHeader(access).typ, "at+jwt");
        assert.equal(decodeJwt(access).aud, s.resource);
        const { tools } = await client.listTools();
        assert.ok(tools.some((t) => t.name === "search_stats"));
        const r = await client.callTool({ name: "get_table_url", arguments: { statsDataId: "0003445078" } });
        assert.equal(r.isError, undefined, text(r));
        assert.match(text(r), /0003445078/);
        await client.close();
      });
    }

    it("steps up: a user who granted only reading calls save_dataset → 403 → a sign-in for the write scope → the call runs", async () => {
      const oauth = new TestOAuthClient();
      s.as.consentOnly = [READ, "offline_access"];
      const url = new URL(`${s.base}/mcp`);
      const transport = new StreamableHTTPClientTransport(url, { authProvider: oauth });
      await assert.rejects(new Client({ name: "t", version: "1" }).connect(transport), UnauthorizedError);
      await transport.finishAuth(oauth.callback as URLSearchParams);
      assert.deepEqual(scopesOf(oauth.tokens()?.access_token ?? ""), [READ]);
      s.as.consentOnly = undefined;
      const stepUp = new StreamableHTTPClientTransport(url, { authProvider: oauth });
      const client = new Client({ name: "t", version: "1" });
      await client.connect(stepUp);
      const call = { name: "get_table_url", arguments: { statsDataId: "0003445078" } };
      assert.equal((await client.callTool(call)).isError, undefined);
      const save = { name: "save_dataset", arguments: { statsDataId: "0003445078" } };
      await assert.rejects(client.callTool(save));
      assert.equal(oauth.authorizations.length, 2, "a second authorization, for more scope");
      const scopes = oauth.authorizations[1].searchParams.get("scope")?.split(" ") ?? [];
      assert.ok(scopes.includes(WRITE) && scopes.includes(READ), scopes.join(" "));
      await stepUp.finishAuth(oauth.callback as URLSearchParams);
      s.srv.secrets.push(...oauth.savedTokens.flatMap((t) => [t.access_token, t.refresh_token ?? ""]));
      assert.ok(scopesOf(oauth.tokens()?.access_token ?? "").includes(WRITE));
      const r = await client.callTool(save);
      assert.doesNotMatch(text(r), /insufficient_scope|needs the scope/);
      await client.close();
    });

    it("logs the principal by ids only (subject, client), never the token", async () => {
      const t = await token();
      const res = await post(s, "/mcp", LIST, { ...bearer(t), "x-request-id": "oauth-principal" });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      const line = logLine(s.srv, "oauth-principal");
      assert.equal(line.principal, "user-1");
      assert.equal(line.clientId, "client-1");
      assert.ok(!s.srv.logs.some((l) => l.includes(t)));
    });
  });

  describe("scopes per tool", () => {
    const save = { name: "save_dataset", arguments: { statsDataId: "0003445078" } };

    it("the read scope calling save_dataset on /mcp: 403 insufficient_scope naming the write scope", async () => {
      const res = await post(s, "/mcp", { jsonrpc: "2.0", id: 7, method: "tools/call", params: save }, bearer(await token()));
      assert.equal(res.status, 403);
      const challenge = res.headers.get("www-authenticate") ?? "";
      assert.match(challenge, /^Bearer error="insufficient_scope"/);
      assert.ok(challenge.includes(`scope="${WRITE}"`), challenge);
      assert.ok(challenge.includes(`resource_metadata="${s.base}/.well-known/oauth-protected-resource/mcp"`), challenge);
      await res.arrayBuffer();
    });

    it("the read scope calling save_dataset on /execute: the same 403", async () => {
      const res = await post(s, "/execute", { tool_name: save.name, arguments: save.arguments }, bearer(await token()));
      assert.equal(res.status, 403);
      const challenge = res.headers.get("www-authenticate") ?? "";
      assert.match(challenge, /^Bearer error="insufficient_scope"/);
      assert.ok(challenge.includes(`scope="${WRITE}"`), challenge);
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /save_dataset needs the scope estat:write/);
    });

    it("the read scope runs the reading tools on both faces", async () => {
      const t = await token();
      const call = { name: "get_table_url", arguments: { statsDataId: "0003445078" } };
      const mcp = await post(s, "/mcp", { jsonrpc: "2.0", id: 8, method: "tools/call", params: call }, bearer(t));
      assert.equal(mcp.status, 200);
      assert.doesNotMatch(await mcp.text(), /"isError":true/);
      const exec = await post(s, "/execute", { tool_name: call.name, arguments: call.arguments }, bearer(t));
      assert.equal(exec.status, 200);
      assert.equal(((await exec.json()) as { success: boolean }).success, true);
    });

    it("the write scope passes the check for save_dataset", async () => {
      const t = await token({ scope: `${READ} ${WRITE}` });
      const res = await post(s, "/execute", { tool_name: "save_dataset", arguments: { statsDataId: "0003445078" } }, bearer(t));
      assert.notEqual(res.status, 403);
      await res.arrayBuffer();
    });
  });

  describe("rejections, each with 401 invalid_token and its reason in the log", () => {
    async function rejected(t: string, reason: string) {
      const id = `reject-${reason}-${Math.random().toString(36).slice(2, 8)}`;
      const res = await post(s, "/mcp", LIST, { ...bearer(t), "x-request-id": id });
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer error="invalid_token", error_description="[^"]+"/);
      assert.ok((res.headers.get("www-authenticate") ?? "").includes("resource_metadata="));
      await res.arrayBuffer();
      assert.equal(logLine(s.srv, id).authFailure, reason);
    }

    it("wrong audience", async () => rejected(await token({ aud: OTHER }), "wrong_audience"));
    it("wrong issuer", async () => rejected(await token({ iss: "https://evil.example.com" }), "wrong_issuer"));
    it("expired (past the 30 s skew)", async () => rejected(await token({ exp: now() - 120 }), "expired"));
    it("not yet valid (nbf past the skew)", async () => rejected(await token({ nbf: now() + 120 }), "not_yet_valid"));

    it("alg none", async () => {
      const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
      const t = `${enc({ alg: "none", typ: "at+jwt" })}.${enc(claims())}.`;
      s.srv.secrets.push(t);
      await rejected(t, "algorithm");
    });

    it("HS256 signed with the AS's public key as the secret", async () => {
      const { SignJWT } = await import("jose");
      const secret = new TextEncoder().encode(JSON.stringify(s.as.publicJwk));
      const t = await new SignJWT(claims()).setProtectedHeader({ alg: "HS256", kid: s.as.publicJwk.kid, typ: "at+jwt" }).sign(secret);
      s.srv.secrets.push(t);
      await rejected(t, "algorithm");
    });

    it("an unknown kid: one JWKS refresh, then 401; another at once: no second fetch", async () => {
      await (await post(s, "/mcp", LIST, bearer(await token()))).arrayBuffer();
      await new Promise((r) => setTimeout(r, 1100)); // past OAUTH_JWKS_COOLDOWN_SECONDS=1
      const before = s.as.hits.get("/jwks") ?? 0;
      await rejected(await token({}, { unpublished: true }), "unknown_key");
      assert.equal(s.as.hits.get("/jwks"), before + 1);
      await rejected(await token({}, { unpublished: true }), "unknown_key");
      assert.equal(s.as.hits.get("/jwks"), before + 1, "bounded: no fetch within the cooldown");
    });

    it("a token issued by the real AS for another resource", async () => {
      const t = await s.as.clientCredentialsToken("machine", "machine-secret-0000000000000000", OTHER, READ);
      s.srv.secrets.push(t);
      assert.equal(decodeJwt(t).aud, OTHER);
      await rejected(t, "wrong_audience");
    });

    it("a token in the query string: 400, even beside a valid header", async () => {
      const t = await token();
      for (const headers of [{}, bearer(t)]) {
        const res = await fetch(`${s.base}/mcp?access_token=${t}`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
          body: JSON.stringify(LIST),
        });
        assert.equal(res.status, 400);
        assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer error="invalid_request"/);
        assert.match(((await res.json()) as { error: { message: string } }).error.message, /Authorization header/);
      }
    });
  });

  describe("the authorization server's keys", () => {
    it("a rotated key is fetched once and accepted", async () => {
      await s.as.rotate("as-key-2");
      await new Promise((r) => setTimeout(r, 1100));
      const before = s.as.hits.get("/jwks") ?? 0;
      const t = await token({}, { kid: "as-key-2" });
      const res = await post(s, "/mcp", LIST, bearer(t));
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      assert.equal(s.as.hits.get("/jwks"), before + 1);
    });

    it("keys endpoint down: 503 with Retry-After at once, no hang; works again when it is back", async () => {
      const fresh = await oauthServer(s.as, s.fake);
      s.as.jwksDown = true;
      try {
        const t = await token({ aud: fresh.resource });
        const started = Date.now();
        const res = await post(fresh, "/mcp", LIST, bearer(t));
        assert.equal(res.status, 503);
        assert.equal(res.headers.get("retry-after"), "30");
        assert.equal(res.headers.get("www-authenticate"), null);
        assert.match(((await res.json()) as { error: { message: string } }).error.message, /authorization server does not answer/);
        assert.ok(Date.now() - started < 6000, `${Date.now() - started} ms`);
        s.as.jwksDown = false;
        const again = await post(fresh, "/mcp", LIST, { ...bearer(t), "x-request-id": "jwks-back" });
        assert.equal(again.status, 200, JSON.stringify(logLine(fresh.srv, "jwks-back")));
        await again.arrayBuffer();
      } finally {
        s.as.jwksDown = false;
        await fresh.srv.close();
      }
    });

    it("authorization server unreachable: 503, no hang", async () => {
      const gone = await freePort();
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const srv = await startServer({
        PORT: String(port),
        PUBLIC_BASE_URL: base,
        MCP_AUTH: "oauth",
        OAUTH_ISSUER: `http://127.0.0.1:${gone}`,
        ESTAT_APP_ID: s.fake.appId,
        AUTH_FAILURES_PER_MINUTE: "0",
      });
      try {
        const started = Date.now();
        const res = await post({ ...s, srv, base }, "/mcp", LIST, bearer(await token()));
        assert.equal(res.status, 503);
        await res.arrayBuffer();
        assert.ok(Date.now() - started < 6000);
      } finally {
        await srv.close();
      }
    });
  });

  describe("Cognito-style: allowed client ids and a scope prefix instead of aud", () => {
    let cog: Setup;
    const prefix = "https://estat.example.jp/mcp/";
    before(async () => {
      cog = await oauthServer(s.as, s.fake, { OAUTH_CLIENT_IDS: "cognito-app-1,cognito-app-2", OAUTH_SCOPE_PREFIX: prefix });
    });
    after(() => cog.srv.close());
    const cognito = async (extra: Record<string, unknown>) => {
      const t = await s.as.sign(
        { iss: s.as.issuer, sub: "u-cog", client_id: "cognito-app-1", token_use: "access", scope: `${prefix}${READ}`, exp: now() + 300, ...extra },
        { typ: "JWT" },
      );
      cog.srv.secrets.push(t);
      return t;
    };

    it("accepts an access token without aud from an allowed client", async () => {
      const res = await post(cog, "/execute", { tool_name: "get_table_url", arguments: { statsDataId: "0003445078" } }, bearer(await cognito({})));
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    });

    it("refuses another client, and an ID token", async () => {
      for (const extra of [{ client_id: "someone-else" }, { token_use: "id" }]) {
        const res = await post(cog, "/mcp", LIST, bearer(await cognito(extra)));
        assert.equal(res.status, 401, JSON.stringify(extra));
        await res.arrayBuffer();
      }
    });

    it("asks for the prefixed write scope", async () => {
      const res = await post(cog, "/execute", { tool_name: "save_dataset", arguments: { statsDataId: "0003445078" } }, bearer(await cognito({})));
      assert.equal(res.status, 403);
      assert.ok((res.headers.get("www-authenticate") ?? "").includes(`scope="${prefix}${WRITE}"`));
      await res.arrayBuffer();
    });
  });
});

describe("MCP_AUTH=oauth: the refresh token when the access token expires", () => {
  const s = useOauth(
    (resource) => ({ resources: [resource], scopes: [READ, WRITE], accessTokenTtl: 2 }),
    () => ({ OAUTH_CLOCK_TOLERANCE_SECONDS: "0" }),
  );

  for (const era of ["modern", "legacy"] as const) {
    it(`refreshes without a new sign-in and goes on (${era} era)`, async () => {
      const { client, oauth } = await signIn(s, era);
      s.srv.secrets.push(oauth.tokens()?.access_token ?? "", oauth.tokens()?.refresh_token ?? "");
      assert.ok(oauth.tokens()?.refresh_token, "the AS issued a refresh token");
      await client.listTools();
      await new Promise((r) => setTimeout(r, 3000));
      const { tools } = await client.listTools();
      assert.ok(tools.length > 0);
      assert.equal(oauth.authorizations.length, 1, "no second sign-in");
      assert.equal(oauth.savedTokens.length, 2, "one refresh");
      s.srv.secrets.push(oauth.tokens()?.access_token ?? "", oauth.tokens()?.refresh_token ?? "");
      await client.close();
    });
  }
});

describe("parseEnv: MCP_AUTH=oauth settings (server/config-oauth.ts)", () => {
  const ok = { MCP_AUTH: "oauth", OAUTH_ISSUER: "https://tenant.example.auth0.com/", PUBLIC_BASE_URL: "https://estat.example.jp" };

  it("derives the resource, the audience and the default scopes", async () => {
    const { parseEnv } = await import("../../server/config.ts");
    const cfg = parseEnv({ ...ok, HOST: "0.0.0.0" }).auth.oauth;
    assert.equal(cfg?.issuer, "https://tenant.example.auth0.com/");
    assert.equal(cfg?.resource, "https://estat.example.jp/mcp");
    assert.equal(cfg?.audience, "https://estat.example.jp/mcp");
    assert.deepEqual(cfg?.scopes, { read: READ, write: WRITE });
    assert.deepEqual(cfg?.clientIds, []);
    assert.ok(!cfg?.algorithms.some((a) => a === "none" || a.startsWith("HS")));
  });

  it("Cognito-style: client ids without an audience, prefixed scopes", async () => {
    const { parseEnv } = await import("../../server/config.ts");
    const cfg = parseEnv({ ...ok, OAUTH_CLIENT_IDS: "a1, a2", OAUTH_SCOPE_PREFIX: "https://estat.example.jp/mcp/" }).auth.oauth;
    assert.equal(cfg?.audience, undefined);
    assert.deepEqual(cfg?.clientIds, ["a1", "a2"]);
    assert.deepEqual(cfg?.scopes, { read: `https://estat.example.jp/mcp/${READ}`, write: `https://estat.example.jp/mcp/${WRITE}` });
  });

  it("says what to set, and refuses what must not be", async () => {
    const { ConfigError, parseEnv } = await import("../../server/config.ts");
    const refuses = (env: Record<string, string>, message: RegExp) =>
      assert.throws(() => parseEnv(env), (err: unknown) => err instanceof ConfigError && message.test(err.message));
    refuses({ MCP_AUTH: "oauth" }, /MCP_AUTH=oauth needs:\n {2}- OAUTH_ISSUER: .*\n {2}- PUBLIC_BASE_URL: /);
    refuses({ ...ok, OAUTH_ISSUER: "http://as.example.com" }, /OAUTH_ISSUER must be an https:\/\/ URL/);
    refuses({ ...ok, OAUTH_ALGORITHMS: "RS256,HS256,none" }, /OAUTH_ALGORITHMS: HS256, none not accepted \(never none or HS\*\)/);
    refuses({ ...ok, OAUTH_SCOPES: "only-one" }, /OAUTH_SCOPES must name two different scopes/);
    refuses({ ...ok, MCP_API_KEYS: "k1-test-key-aaaaaaaaaaaaaaaa" }, /MCP_AUTH=oauth and MCP_API_KEYS are not mixed on one endpoint/);
    refuses({ OAUTH_ISSUER: ok.OAUTH_ISSUER }, /OAUTH_ISSUER is set but MCP_AUTH is "none": set MCP_AUTH=oauth/);
    refuses({ ...ok, OAUTH_INTROSPECTION_URL: "https://as.example.com/introspect" }, /needs OAUTH_INTROSPECTION_CLIENT_ID and OAUTH_INTROSPECTION_CLIENT_SECRET/);
  });
});

describe("MCP_AUTH=oauth: opaque access tokens through introspection (RFC 7662)", () => {
  const machine = { client_id: "machine", client_secret: "machine-secret-0000000000000000" };
  const rs = { client_id: "estat-rs", client_secret: "rs-introspection-secret-000000000" };
  const s = useOauth(
    (resource) => ({ resources: [resource, OTHER], opaqueResources: [resource, OTHER], scopes: [READ, WRITE], clients: [machine, rs] }),
    (as) => ({
      OAUTH_INTROSPECTION_URL: `${as.issuer}/token/introspection`,
      OAUTH_INTROSPECTION_CLIENT_ID: rs.client_id,
      OAUTH_INTROSPECTION_CLIENT_SECRET: rs.client_secret,
    }),
  );
  const opaque = async (resource: string) => {
    const t = await s.as.clientCredentialsToken(machine.client_id, machine.client_secret, resource, READ);
    assert.equal(t.split(".").length, 1, "an opaque token");
    s.srv.secrets.push(t);
    return t;
  };

  it("accepts an active token for this resource, introspecting it once for repeated calls", async () => {
    const t = await opaque(s.resource);
    const before = s.as.hits.get("/token/introspection") ?? 0;
    for (let i = 0; i < 3; i++) {
      const res = await post(s, "/mcp", LIST, { ...bearer(t), "x-request-id": `opaque-${i}` });
      assert.equal(res.status, 200, JSON.stringify(logLine(s.srv, `opaque-${i}`)));
      await res.arrayBuffer();
    }
    assert.equal(s.as.hits.get("/token/introspection"), before + 1);
    assert.equal(logLine(s.srv, "opaque-0").clientId, machine.client_id);
  });

  it("refuses an unknown token (inactive) and one issued for another resource", async () => {
    for (const [t, reason] of [
      ["not-a-token-the-as-issued", "inactive"],
      [await opaque(OTHER), "wrong_audience"],
    ]) {
      const res = await post(s, "/mcp", LIST, { ...bearer(t), "x-request-id": `opaque-${reason}` });
      assert.equal(res.status, 401);
      await res.arrayBuffer();
      assert.equal(logLine(s.srv, `opaque-${reason}`).authFailure, reason);
    }
  });

  it("keeps the introspection secret out of logs and answers", () => {
    assert.ok(s.srv.secrets.includes(rs.client_secret), "checked by the suite-wide secrets hook");
    assert.ok(!s.srv.logs.some((l) => l.includes(rs.client_secret)));
  });
});

describe("MCP_AUTH=oauth: failed authentications per address (AUTH_FAILURES_PER_MINUTE)", () => {
  const s = useOauth(
    (resource) => ({ resources: [resource], scopes: [READ, WRITE] }),
    () => ({ AUTH_FAILURES_PER_MINUTE: "2" }),
  );

  it("does not count requests without a token (how every sign-in starts), but counts bad tokens", async () => {
    for (let i = 0; i < 5; i++) {
      const res = await post(s, "/mcp", LIST);
      assert.equal(res.status, 401, `request ${i + 1} without a token`);
      await res.arrayBuffer();
    }
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await post(s, "/mcp", LIST, bearer("not.a.token"));
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    assert.deepEqual(statuses, [401, 401, 429]);
  });
});

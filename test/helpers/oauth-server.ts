/** The server as an OAuth resource server of a test authorization server (oauth-as.ts), for oauth.test.ts. */
import { FakeEstat } from "./fake-estat.ts";
import { freePort } from "./mcp-wire.ts";
import { type AuthServer, type AuthServerOptions, startAuthServer } from "./oauth-as.ts";
import { type Running, startServer } from "./server.ts";

/** A resource server and the authorization server it trusts. */
export interface Setup {
  as: AuthServer;
  srv: Running;
  base: string;
  resource: string;
}

/** The real server with MCP_AUTH=oauth for `as`, on `port` (a free one unless given), its e-Stat the fake. */
export async function oauthServer(as: AuthServer, fake: FakeEstat, env: Record<string, string> = {}, port?: number): Promise<Setup> {
  port ??= await freePort();
  const base = `http://127.0.0.1:${port}`;
  const srv = await startServer({
    PORT: String(port),
    PUBLIC_BASE_URL: base,
    MCP_AUTH: "oauth",
    OAUTH_ISSUER: as.issuer,
    OAUTH_JWKS_COOLDOWN_SECONDS: "1",
    ESTAT_API_URL: fake.url,
    ESTAT_APP_ID: fake.appId,
    RATE_LIMIT_PER_MINUTE: "0",
    AUTH_FAILURES_PER_MINUTE: "0",
    ...env,
  });
  return { as, srv, base, resource: `${base}/mcp` };
}

/**
 * For a mocha block: a fake e-Stat, an authorization server told the server's resource (`asOptions` gets
 * it: the AS must know it before the server starts, so both agree on the port first), and the server as
 * its resource server with `env`; closed after, whatever got started.
 */
export function useOauth(
  asOptions: (resource: string) => AuthServerOptions,
  env: (as: AuthServer) => Record<string, string> = () => ({}),
): Setup & { fake: FakeEstat } {
  let fake: FakeEstat | undefined;
  let as: AuthServer | undefined;
  let s: Setup | undefined;
  before(async () => {
    fake = await new FakeEstat().listen();
    const port = await freePort();
    as = await startAuthServer(asOptions(`http://127.0.0.1:${port}/mcp`));
    s = await oauthServer(as, fake, env(as), port);
  });
  after(async () => {
    await s?.srv.close();
    await as?.close();
    await fake?.close();
  });
  const up = () => {
    if (!fake || !as || !s) throw new Error("useOauth: read before its before hook ran");
    return { fake, s };
  };
  return {
    get fake() {
      return up().fake;
    },
    get as() {
      return up().s.as;
    },
    get srv() {
      return up().s.srv;
    },
    get base() {
      return up().s.base;
    },
    get resource() {
      return up().s.resource;
    },
  };
}

import assert from "node:assert/strict";
import { parseEnv } from "../../../server/config.ts";
import { useServer } from "../../helpers/server.ts";

describe("TRUSTED_PROXY_HOPS defaults to 0: with no proxy in front, X-Forwarded-For is the client's word (issue 9)", () => {
  const s = useServer({ estat: false, env: { ESTAT_APP_ID: "proxy-hops-app-id-000", RATE_LIMIT_PER_MINUTE: "2" } });

  it("does not let a client multiply its per-address budget with made-up X-Forwarded-For values", async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const res = await fetch(`${s.srv.base}/tools`, { headers: { "x-forwarded-for": `198.51.100.${i}` } });
      statuses.push(res.status);
      await res.text();
    }
    assert.deepEqual(statuses, [200, 200, 429]);
  });

  it("caps connections per address on a direct bind only: behind proxies every connection is theirs", () => {
    const direct = parseEnv({});
    assert.equal(direct.trustedProxyHops, 0);
    assert.equal(direct.maxConnectionsPerIp, 64);
    assert.equal(parseEnv({ TRUSTED_PROXY_HOPS: "2" }).maxConnectionsPerIp, 0);
    assert.equal(parseEnv({ TRUSTED_PROXY_HOPS: "1", MAX_CONNECTIONS_PER_IP: "500" }).maxConnectionsPerIp, 500);
  });

  it("refuses a headers timeout longer than the request timeout, naming both", () => {
    assert.throws(
      () => parseEnv({ HTTP_HEADERS_TIMEOUT_MS: "40000", HTTP_REQUEST_TIMEOUT_MS: "30000" }),
      /HTTP_HEADERS_TIMEOUT_MS \(40000\) must not exceed HTTP_REQUEST_TIMEOUT_MS \(30000\)/,
    );
  });
});

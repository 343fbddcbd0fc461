import assert from "node:assert/strict";
import { modernToolCall } from "../../helpers/mcp-wire.ts";
import { rpc, startServer, useServer } from "../../helpers/server.ts";

const LIST = { jsonrpc: "2.0", id: 1, method: "tools/list", params: {} };

describe("the Origin check matches exact origins: scheme, host and port (issue 9)", () => {
  describe("on loopback without ALLOWED_ORIGINS: the server's own origin only", () => {
    const s = useServer({ estat: false, env: { ESTAT_APP_ID: "origins-app-id-00000" } });

    it("accepts a page served from this very origin", async () => {
      assert.equal((await rpc(s.srv.base, LIST, { origin: s.srv.base })).status, 200);
    });

    it("refuses another port, another scheme and another loopback name", async () => {
      const port = new URL(s.srv.base).port;
      for (const origin of [
        "http://localhost:1",
        "http://127.0.0.1:6274",
        `https://127.0.0.1:${port}`,
        `http://localhost:${port}`,
        "null",
      ]) {
        const r = await rpc(s.srv.base, LIST, { origin });
        assert.equal(r.status, 403, origin);
      }
    });

    it("gives CORS to its own origin only", async () => {
      const pre = (origin: string) =>
        fetch(`${s.srv.base}/mcp`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
      assert.equal((await pre(s.srv.base)).headers.get("access-control-allow-origin"), s.srv.base);
      assert.equal((await pre("http://localhost:1")).headers.get("access-control-allow-origin"), null);
    });
  });

  describe("with ALLOWED_ORIGINS", () => {
    const s = useServer({
      estat: false,
      env: { ESTAT_APP_ID: "origins-app-id-00000", ALLOWED_ORIGINS: "https://app.example.jp,http://localhost:6274" },
    });

    it("accepts exactly the listed origins", async () => {
      for (const origin of ["https://app.example.jp", "https://APP.example.jp:443", "http://localhost:6274"]) {
        assert.equal((await rpc(s.srv.base, LIST, { origin })).status, 200, origin);
      }
    });

    it("refuses the same names on another port or scheme", async () => {
      for (const origin of ["https://app.example.jp:8443", "http://app.example.jp", "http://localhost:6275", "https://localhost:6274"]) {
        assert.equal((await rpc(s.srv.base, LIST, { origin })).status, 403, origin);
      }
    });
  });

  it("refuses an ALLOWED_ORIGINS entry that is not an origin, saying how to write one", async () => {
    await assert.rejects(
      startServer({ ESTAT_APP_ID: "origins-app-id-00000", ALLOWED_ORIGINS: "https://" }),
      /ALLOWED_ORIGINS: "https:\/\/" is not an origin\. Write scheme:\/\/host\[:port\]/,
    );
  });
});

describe("SSE answers say Cache-Control: no-store (issue 9)", () => {
  const s = useServer({ env: { STREAM_AFTER_MS: "100" } });

  it("streams a slow call with no-store", async () => {
    s.fake.on("getStatsList", () => ({ delayMs: 300 }));
    const res = await fetch(`${s.srv.base}/mcp`, modernToolCall("search_stats", { query: "人口 no-store" }));
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    assert.match(res.headers.get("cache-control") ?? "", /no-store/);
    await res.text();
  });
});

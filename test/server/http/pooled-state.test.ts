import assert from "node:assert/strict";
import { rpc, useServer } from "../../helpers/server.ts";

const K1 = "pooled-state-key-1-0123456789";
const K2 = "pooled-state-key-2-0123456789";
const legacy = (key: string) => ({ authorization: `Bearer ${key}`, "mcp-protocol-version": "2025-03-26" });

// Server instances are pooled between requests (server/mcp.ts); what one client sets must not reach another.
describe("pooled MCP server instances carry no per-client settings (issue 9)", function () {
  this.timeout(15_000);
  const s = useServer({
    env: { MCP_API_KEYS: `${K1},${K2}`, STREAM_AFTER_MS: "100", RATE_LIMIT_PER_MINUTE: "0" },
  });

  const slowCall = async (key: string, query: string) => {
    s.fake.on("getStatsList", () => ({ delayMs: 500 }));
    const r = await rpc(
      s.srv.base,
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "search_stats", arguments: { query } } },
      legacy(key),
    );
    assert.equal(r.status, 200);
    return r.text;
  };

  it("a logging/setLevel from one key does not silence another key's log messages", async () => {
    // The baseline: without any setLevel, a slow call tells the client it is still working.
    assert.match(await slowCall(K2, "人口 baseline"), /notifications\/message.*Still working/s);
    for (let i = 0; i < 3; i++) {
      const set = await rpc(s.srv.base, { jsonrpc: "2.0", id: 1, method: "logging/setLevel", params: { level: "emergency" } }, legacy(K1));
      assert.equal(set.status, 200, set.text);
    }
    assert.match(await slowCall(K2, "人口 after"), /notifications\/message.*Still working/s);
  });
});

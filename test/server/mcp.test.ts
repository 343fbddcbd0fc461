import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import { connect, type Era, rpc, text, useServer } from "../helpers/server.ts";

const TOOLS = [
  "search_stats",
  "get_meta_info",
  "get_stats_data",
  "get_data_catalog",
  "get_table_url",
  "save_dataset",
  "list_datasets",
  "query_dataset",
  "get_download_url",
];

describe("MCP over Streamable HTTP (/mcp)", () => {
  const s = useServer();
  beforeEach(() => s.fake.reset());

  for (const era of ["modern", "legacy"] as Era[]) {
    describe(`${era} era`, () => {
      let client: Client;
      // Each era asks a different page size, so the server's cache cannot answer the second era.
      const limit = era === "modern" ? 20 : 30;
      before(async () => {
        client = await connect(s.srv.base, era);
      });
      after(() => client.close());

      it("negotiates the expected protocol revision", () => {
        const v = client.getNegotiatedProtocolVersion();
        if (era === "modern") assert.equal(v, "2026-07-28");
        else assert.match(v ?? "", /^2025-/);
      });

      it("lists the e-Stat and data lake tools with input and output schemas", async () => {
        const { tools } = await client.listTools();
        assert.deepEqual(
          tools.map((t) => t.name),
          TOOLS,
        );
        for (const t of tools) {
          assert.equal(t.inputSchema.type, "object");
          assert.equal(t.outputSchema?.type, "object", `${t.name} has an outputSchema`);
          assert.ok((t.description ?? "").length > 80, `${t.name} is described for a model`);
        }
      });

      it("search_stats lists each table once, merging its collect areas", async () => {
        const r = await client.callTool({
          name: "search_stats",
          arguments: { query: "男女別人口", surveyYears: "2020", limit },
        });
        assert.equal(r.isError, undefined);
        const out = r.structuredContent as {
          total: number;
          nextPosition: number;
          tables: { id: string; collectArea: string }[];
        };
        assert.equal(out.total, 55);
        // The fake pages the recorded 40-table answer by the limit asked for, as e-Stat does.
        assert.equal(out.nextPosition, limit + 1);
        const ids = out.tables.map((t) => t.id);
        assert.equal(new Set(ids).size, ids.length);
        const first = out.tables.find((t) => t.id === "0003433219");
        assert.equal(first?.collectArea, "全国、市区町村、都道府県");
        assert.match(text(r), /^\| statsDataId \| title/);
        const call = s.fake.callsTo("getStatsList")[0];
        assert.equal(call.params.searchWord, "男女別人口");
        assert.equal(call.params.surveyYears, "2020");
        assert.equal(call.params.limit, String(limit));
      });

      it("get_stats_data resolves class names to codes and returns typed rows", async () => {
        const r = await client.callTool({
          name: "get_stats_data",
          arguments: {
            statsDataId: "0003445078",
            filters: { area: ["東京都", "01000"], cat01: "総数" },
            limit,
          },
        });
        assert.equal(r.isError, undefined, text(r));
        const out = r.structuredContent as {
          total: number;
          rows: Record<string, unknown>[];
          notes: Record<string, string>;
        };
        assert.deepEqual(
          s.fake.callsTo("getStatsData").map((c) => [c.params.cdArea, c.params.cdCat01, c.params.limit]),
          [["01000,13000", "0", String(limit)]],
        );
        assert.equal(out.total, 2);
        assert.deepEqual(out.rows[0], {
          tab: "2020_01",
          tabName: "人口",
          cat01: "0",
          cat01Name: "総数",
          area: "01000",
          areaName: "北海道",
          time: "2020000000",
          timeName: "2020年",
          unit: "人",
          value: 5224614,
          raw: "5224614",
        });
        assert.equal(out.notes["***"], "当該数値がないもの");
      });
    });
  }

  it("quotes e-Stat's error message to the client without the appId, even when e-Stat echoes it", async () => {
    s.fake.on("getStatsList", () => ({
      status: 400,
      body: { GET_STATS_LIST: { RESULT: { STATUS: 101, ERROR_MSG: `appId=[${s.fake.appId}] のパラメータが不正です。` } } },
    }));
    const client = await connect(s.srv.base, "modern");
    const r = await client.callTool({ name: "search_stats", arguments: { query: "漏えい" } });
    await client.close();
    assert.equal(r.isError, true);
    assert.match(text(r), /e-Stat rejected a parameter \(status 101\).*のパラメータが不正です/);
    assert.doesNotMatch(text(r), new RegExp(s.fake.appId));
    const rest = await fetch(`${s.srv.base}/execute`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tool_name: "search_stats", arguments: { query: "漏えい2" } }),
    });
    const body = await rest.text();
    assert.equal(rest.status, 400);
    assert.match(body, /\[REDACTED\]/);
    assert.doesNotMatch(body, new RegExp(s.fake.appId));
  });

  it("answers GET and DELETE on /mcp with 405 and Allow: POST", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(`${s.srv.base}/mcp`, { method });
      assert.equal(res.status, 405);
      assert.equal(res.headers.get("allow"), "POST");
    }
  });

  it("answers a body that is not JSON with a JSON-RPC parse error", async () => {
    const r = await rpc(s.srv.base, "{not json");
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.text).error.code, -32700);
  });

  it("answers quick 2026-07-28 requests with plain JSON", async () => {
    const r = await rpc(
      s.srv.base,
      {
        jsonrpc: "2.0",
        id: 7,
        method: "tools/list",
        params: {
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      },
      { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" },
    );
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get("content-type") ?? "", /application\/json/);
    assert.equal(JSON.parse(r.text).result.tools.length, TOOLS.length);
  });
});

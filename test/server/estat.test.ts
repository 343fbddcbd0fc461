import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { EstatClient } from "../../server/estat/client.ts";
import { EstatError } from "../../server/estat/errors.ts";
import { EstatService, InputError } from "../../server/estat/service.ts";
import { FakeEstat } from "../helpers/fake-estat.ts";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/estat/${name}`, import.meta.url), "utf8"));

function client(fake: FakeEstat, over: Partial<ConstructorParameters<typeof EstatClient>[0]> = {}) {
  return new EstatClient({
    baseUrl: fake.url,
    appId: fake.appId,
    timeoutMs: 2000,
    maxConcurrency: 4,
    retries: 2,
    retryBaseMs: 5,
    cacheMaxBytes: 1024 * 1024,
    cacheTtlMs: 60_000,
    ...over,
  });
}

async function rejects(p: Promise<unknown>): Promise<EstatError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof EstatError, `expected an EstatError, got ${err}`);
    return err;
  }
  assert.fail("expected a rejection");
}

describe("EstatClient", () => {
  let fake: FakeEstat;
  before(async () => {
    fake = await new FakeEstat().listen();
  });
  after(() => fake.close());
  beforeEach(() => fake.reset());

  it("treats STATUS 1 (no data) as an empty result, not an error", async () => {
    const svc = new EstatService(client(fake));
    const r = await svc.search({ query: "該当なし", limit: 20 });
    assert.deepEqual(r, { total: 0, nextPosition: undefined, tables: [], stale: false });
  });

  it("reads TABLE_INF given as a single object", async () => {
    const svc = new EstatService(client(fake));
    const r = await svc.search({ statsCode: "00200502", limit: 1 });
    assert.deepEqual(
      r.tables.map((t) => [t.id, t.title, t.surveyDate]),
      [["0000010101", "Ａ　人口・世帯", ""]],
    );
  });

  it("reads single-object CLASS and NOTE, and an unlabelled unit from the class", async () => {
    const svc = new EstatService(client(fake));
    const meta = await svc.meta("0003425893");
    assert.deepEqual(
      meta.dimensions.map((d) => [d.id, d.classes.length]),
      [
        ["tab", 2],
        ["cat01", 1],
        ["cat02", 1],
        ["cat03", 1],
        ["cat04", 12],
        ["cat05", 1],
        ["cat06", 1],
        ["time", 1],
      ],
    );
    const page = await svc.data(meta, svc.resolveFilters(meta, { tab: "40", cat04: "20～24歳" }), {
      limit: 100,
    });
    assert.equal(page.rows.length, 1);
    assert.equal(page.rows[0].tabName, "きまって支給する現金給与額");
    assert.equal(page.rows[0].cat04Name, "20～24歳");
    assert.equal(page.rows[0].unit, "千円");
    assert.equal(typeof page.rows[0].value, "number");
    const note = fixture(
      "getStatsData_0003425893_NARROWING_COND_single_object_NOTE_and_CLASS_unicode_escaped.json",
    ).GET_STATS_DATA.STATISTICAL_DATA.DATA_INF.NOTE;
    assert.deepEqual(page.notes, { [note["@char"]]: note.$ });
  });

  it("reads API v2.1 answers (no COLLECT_AREA, other dimensions) the same way", async () => {
    const svc = new EstatService(client(fake));
    const list = await svc.search({ statsCode: "00200524", surveyYears: "2017", limit: 100 });
    assert.equal(list.total, 21);
    assert.equal(list.tables[0].id, "0003215840");
    assert.equal(list.tables[0].collectArea, "");
    assert.equal(list.tables[0].surveyDate, "201710");
    const meta = await svc.meta("0003215840");
    const page = await svc.data(meta, svc.resolveFilters(meta, { cat03: "01000" }), { limit: 100 });
    assert.ok(page.rows.length > 0);
    assert.ok(page.rows.every((r) => r.cat03 === "01000" && typeof r.value === "number"));
    assert.equal(page.rows[0].unit, "千人");
  });

  it("turns symbols into null values and keeps the raw text", async () => {
    const svc = new EstatService(client(fake));
    const t = fake.tables.get("0003445078");
    assert.ok(t);
    t.values = [
      ...t.values,
      { ...t.values[0], "@time": "2015000000", $: "***" },
      { ...t.values[1], "@time": "2015000000", $: "-" },
    ];
    try {
      const meta = await svc.meta("0003445078");
      const page = await svc.data(meta, svc.resolveFilters(meta, {}), { limit: 1000, cache: false });
      const symbols = page.rows.filter((r) => r.value === null);
      assert.deepEqual(
        symbols.map((r) => r.raw),
        ["***", "-"],
      );
      assert.equal(symbols[0].timeName, null, "a time code missing from the metadata has no label");
    } finally {
      t.values = t.values.slice(0, -2);
    }
  });

  it("follows NEXT_KEY: nextPosition is e-Stat's next start", async () => {
    const svc = new EstatService(client(fake));
    const meta = await svc.meta("0003445078");
    const page = await svc.data(meta, svc.resolveFilters(meta, {}), { limit: 10 });
    assert.equal(page.rows.length, 10);
    assert.equal(page.total, 42);
    assert.equal(page.nextPosition, 11);
    const last = await svc.data(meta, svc.resolveFilters(meta, {}), { limit: 10, startPosition: 41 });
    assert.equal(last.rows.length, 2);
    assert.equal(last.nextPosition, undefined);
  });

  it("lists the candidates when a class name is ambiguous or unknown", async () => {
    const svc = new EstatService(client(fake));
    const meta = await svc.meta("0000020202");
    assert.throws(
      () => svc.resolveFilters(meta, { area: "中央区" }),
      (e: Error) => {
        assert.ok(e instanceof InputError);
        assert.match(e.message, /matches \d+ classes of area/);
        assert.match(e.message, /01101 北海道 札幌市 中央区/);
        return true;
      },
    );
    assert.throws(
      () => svc.resolveFilters(meta, { area: "アトランティス" }),
      /No class "アトランティス" in area/,
    );
    assert.throws(
      () => svc.resolveFilters(meta, { region: "x" }),
      /Unknown filter "region".*Valid keys: tab, cat01, area, time/,
    );
    assert.deepEqual(
      svc.resolveFilters(meta, { area: "札幌市", timeFrom: "1990年度", areaLevel: "2" }).params,
      {
        cdArea: "01100",
        cdTimeFrom: "1990100000",
        lvArea: "2",
      },
    );
  });

  it("reports a rejected appId (HTTP 403 with an XML body) without the appId", async () => {
    const secret = "wrong-app-id-should-never-leak";
    const e = await rejects(client(fake, { appId: secret }).call("getStatsList", { searchWord: "人口" }));
    assert.equal(e.kind, "auth");
    assert.equal(e.httpStatus, 403);
    assert.match(e.message, /e-Stat rejected the application ID \(ESTAT_APP_ID\)/);
    assert.doesNotMatch(`${e.message} ${e.stack}`, new RegExp(secret));
  });

  it("reports a rejected appId sent as HTTP 403 with an HTML page", async () => {
    fake.on("*", () => ({ status: 403, body: "<html><body><h1>403 Forbidden</h1></body></html>" }));
    const e = await rejects(client(fake).call("getMetaInfo", { statsDataId: "0003445078" }));
    assert.equal(e.kind, "auth");
  });

  it("quotes e-Stat's message for parameter errors (101-105) and does not retry them", async () => {
    fake.on("getStatsData", () => ({
      status: 400,
      body: { GET_STATS_DATA: { RESULT: { STATUS: 102, ERROR_MSG: "パラメータ limit の値が不正です。" } } },
    }));
    const e = await rejects(client(fake).call("getStatsData", { statsDataId: "0003445078", limit: 1 }));
    assert.equal(e.kind, "parameter");
    assert.equal(e.estatStatus, 102);
    assert.match(e.message, /「パラメータ limit の値が不正です。」/);
    assert.equal(fake.callsTo("getStatsData").length, 1);
  });

  it("says an unknown table is not found (STATUS 300) and points at search_stats", async () => {
    const e = await rejects(client(fake).call("getMetaInfo", { statsDataId: "9999999999" }));
    assert.equal(e.kind, "not_found");
    assert.match(e.message, /統計表ID=\[9999999999\]のデータは存在しません。.*search_stats/);
  });

  it("retries e-Stat server errors (2xx statuses, HTTP 500) and then gives up with a clear message", async () => {
    fake.on("getStatsList", () => ({
      status: 500,
      body: {
        GET_STATS_LIST: { RESULT: { STATUS: 200, ERROR_MSG: "システム処理中にエラーが発生しました。" } },
      },
    }));
    const e = await rejects(client(fake).call("getStatsList", { searchWord: "人口" }));
    assert.equal(e.kind, "upstream");
    assert.match(e.message, /server error \(status 200\).*Try again later/);
    assert.equal(fake.callsTo("getStatsList").length, 3, "one call and two retries");
  });

  it("recovers when a retry succeeds after a connection reset", async () => {
    let n = 0;
    fake.on("getStatsList", () => (n++ === 0 ? { reset: true } : undefined));
    const r = await client(fake).call("getStatsList", { searchWord: "人口" });
    assert.equal(r.fromCache, false);
    assert.equal(fake.callsTo("getStatsList").length, 2);
  });

  it("rejects garbage JSON as a bad response", async () => {
    fake.on("getStatsList", () => ({
      status: 200,
      body: '{"GET_STATS_LIST": {"RESULT": ',
      contentType: "application/json",
    }));
    const e = await rejects(client(fake, { retries: 0 }).call("getStatsList", {}));
    assert.equal(e.kind, "bad_response");
  });

  it("rejects a data value that has no number or symbol as a bad response", async () => {
    const svc = new EstatService(client(fake));
    const meta = await svc.meta("0003445078");
    fake.on("getStatsData", () => ({
      body: {
        GET_STATS_DATA: {
          RESULT: { STATUS: 0, ERROR_MSG: "" },
          STATISTICAL_DATA: { RESULT_INF: { TOTAL_NUMBER: 1 }, DATA_INF: { VALUE: { "@area": "13000" } } },
        },
      },
    }));
    await assert.rejects(svc.data(meta, svc.resolveFilters(meta, {}), { limit: 5, cache: false }), (e: Error) => {
      assert.ok(e instanceof EstatError);
      assert.equal(e.kind, "bad_response");
      return true;
    });
  });

  it("times out a slow answer with the configured limit", async () => {
    fake.on("getStatsList", () => ({ delayMs: 600 }));
    const e = await rejects(client(fake, { timeoutMs: 150 }).call("getStatsList", {}));
    assert.equal(e.kind, "timeout");
    assert.equal(fake.callsTo("getStatsList").length, 3, "a timeout is retried like other outages");
    assert.match(e.message, /did not answer within 0 s|did not answer within/);
  });

  it("explains how to get an appId when none is configured, without calling e-Stat", async () => {
    const e = await rejects(client(fake, { appId: undefined }).call("getStatsList", {}));
    assert.equal(e.kind, "no_app_id");
    assert.match(e.message, /https:\/\/www\.e-stat\.go\.jp\/api\//);
    assert.equal(fake.calls.length, 0);
  });

  it("caches metadata: a second call does not reach e-Stat", async () => {
    const c = client(fake);
    await c.call("getMetaInfo", { statsDataId: "0003445078" }, { cache: true });
    const again = await c.call("getMetaInfo", { statsDataId: "0003445078" }, { cache: true });
    assert.equal(again.fromCache, true);
    assert.equal(fake.callsTo("getMetaInfo").length, 1);
  });

  it("answers from the stale cache, marked stale, while e-Stat is down", async () => {
    const c = client(fake, { cacheTtlMs: 1, retries: 0 });
    await c.call("getMetaInfo", { statsDataId: "0003445078" }, { cache: true });
    await new Promise((r) => setTimeout(r, 10));
    fake.on("getMetaInfo", () => ({ status: 503, body: "<html>Service Unavailable</html>" }));
    const r = await c.call("getMetaInfo", { statsDataId: "0003445078" }, { cache: true });
    assert.equal(r.stale, true);
    assert.equal(r.data.GET_META_INFO.METADATA_INF?.TABLE_INF["@id"], "0003445078");
  });

  it("opens the circuit after repeated outages and fails fast without calling e-Stat", async () => {
    const c = client(fake, { retries: 0, breakerResetMs: 60_000 });
    fake.on("getStatsList", () => ({ status: 502, body: "<html>Bad Gateway</html>" }));
    for (let i = 0; i < 5; i++) await rejects(c.call("getStatsList", { searchWord: `x${i}` }));
    assert.equal(c.circuit, "open");
    const before = fake.calls.length;
    const e = await rejects(c.call("getStatsList", { searchWord: "y" }));
    assert.equal(e.kind, "unavailable");
    assert.match(e.message, /paused for up to 60 s/);
    assert.equal(fake.calls.length, before);
  });
});

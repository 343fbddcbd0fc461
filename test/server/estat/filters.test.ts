import assert from "node:assert/strict";
import { text, useServer } from "../../helpers/server.ts";

// Regression: resolveClass accepted `name.endsWith(value)`, so {"area": "京都"} silently read 東京都.
describe("filter resolution (get_stats_data and save_dataset filters)", () => {
  const s = useServer({ client: { era: "modern" } });
  before(() => {
    // A label with a full-width space, as e-Stat writes some of them (the fake reads its tables per request).
    const census = s.fake.tables.get("0003445078");
    const area = census?.classObjs.find((o) => o["@id"] === "area");
    assert.ok(area);
    area.CLASS.push({ "@code": "26100", "@name": "京都府\u3000京都市", "@level": "3", "@parentCode": "26000" });
  });
  beforeEach(() => s.fake.reset());

  // Each read asks a page size of its own, so the server's cache never answers for e-Stat.
  let limit = 1;
  /** The cdArea (or other) parameters e-Stat was asked for, or the error text when the tool refused. */
  async function read(filters: Record<string, string | string[]>, statsDataId = "0003445078") {
    const args = { statsDataId, filters, limit: limit++ };
    const r = await s.client.callTool({ name: "get_stats_data", arguments: args });
    const calls = s.fake.callsTo("getStatsData").map((c) => c.params);
    s.fake.reset();
    return r.isError ? { error: text(r), calls } : { params: calls.at(-1), calls };
  }

  it("resolves exact names and codes to their own class: 京都府, 東京都, 大阪府, 大阪市", async () => {
    assert.equal((await read({ area: "京都府" })).params?.cdArea, "26000");
    assert.equal((await read({ area: "東京都" })).params?.cdArea, "13000");
    assert.equal((await read({ area: "大阪府" })).params?.cdArea, "27000");
    assert.equal((await read({ area: "大阪市" })).params?.cdArea, "27100");
    assert.equal((await read({ area: ["26000", "東京都"] })).params?.cdArea, "13000,26000");
  });

  it("refuses 京都 instead of reading 東京都, naming 京都府 and the near miss", async () => {
    const r = await read({ area: "京都" });
    assert.deepEqual(r.calls, [], "nothing was fetched");
    assert.match(r.error ?? "", /No class "京都" in area/);
    assert.match(r.error ?? "", /Did you mean: 26000 京都府 \(parent 00000\); 26100 京都府\u3000京都市 \(parent 26000\)\?/);
    assert.match(r.error ?? "", /Near misses \(not the same name\): 13000 東京都 \(parent 00000\)\./);
  });

  it("refuses 大阪 and lists both 大阪府 and 大阪市", async () => {
    const r = await read({ area: "大阪" });
    assert.deepEqual(r.calls, []);
    assert.match(r.error ?? "", /Did you mean: 27000 大阪府 \(parent 00000\); 27100 大阪市 \(parent 27000\)\?/);
  });

  it("matches a full-width-space label by its whole name, its last part, or with a half-width space", async () => {
    assert.equal((await read({ area: "京都府\u3000京都市" })).params?.cdArea, "26100");
    assert.equal((await read({ area: "京都市" })).params?.cdArea, "26100");
    assert.equal((await read({ area: "京都府 京都市" })).params?.cdArea, "26100");
    const inside = await read({ area: "都市" });
    assert.match(inside.error ?? "", /No class "都市" in area/);
    assert.deepEqual(inside.calls, []);
  });

  it("lists every 北区 with its code and parent, and takes one once the prefecture is named", async () => {
    const r = await read({ area: "北区" }, "0000020202");
    assert.deepEqual(r.calls, []);
    assert.match(r.error ?? "", /"北区" matches \d+ classes of area/);
    assert.match(r.error ?? "", /01102 北海道 札幌市 北区 \(parent 01100\)/);
    assert.match(r.error ?? "", /11102 埼玉県 さいたま市 北区 \(parent 11100\)/);
    assert.match(r.error ?? "", /13117 東京都 北区 \(parent 13100\)/);
    assert.match(r.error ?? "", /Use the code instead/);
    assert.equal((await read({ area: "東京都 北区" }, "0000020202")).params?.cdArea, "13117");
    assert.equal((await read({ area: "東京都\u3000北区" }, "0000020202")).params?.cdArea, "13117");
    assert.equal((await read({ area: "札幌市 北区" }, "0000020202")).params?.cdArea, "01102");
  });

  it("treats time labels the same: 1990年 is not 1990年度, and is refused with it as the suggestion", async () => {
    const r = await read({ timeFrom: "1990年" }, "0000020202");
    assert.deepEqual(r.calls, []);
    assert.match(r.error ?? "", /No class "1990年" in time/);
    assert.match(r.error ?? "", /Did you mean: 1990100000 1990年度\?/);
    assert.equal((await read({ timeFrom: "1990年度" }, "0000020202")).params?.cdTimeFrom, "1990100000");
  });

  it("treats cat01 the same: the part after _ matches, a word inside it does not", async () => {
    const whole = await read({ cat01: "可住地面積" }, "0000020202");
    assert.equal(whole.params?.cdCat01, "B1103");
    const inside = await read({ cat01: "面積" }, "0000020202");
    assert.match(inside.error ?? "", /No class "面積" in cat01/);
    assert.match(inside.error ?? "", /Near misses \(not the same name\): B1101 B1101_総面積/);
  });

  it("save_dataset refuses the same names before writing anything to the lake", async () => {
    const r = await s.client.callTool({
      name: "save_dataset",
      arguments: { statsDataId: "0003445078", filters: { area: "京都" } },
    });
    assert.equal(r.isError, true);
    assert.match(text(r), /No class "京都" in area/);
    assert.deepEqual(s.fake.callsTo("getStatsData"), []);
    const list = await s.client.callTool({ name: "list_datasets", arguments: {} });
    assert.equal((list.structuredContent as { datasets: unknown[] }).datasets.length, 0);
  });
});

/**
 * Columnar pages: `columns()` (server/estat/normalize.ts) gives the same values as `rows()`, and a save fed
 * column arrays writes the same Parquet/CSV/JSON as one fed row objects, readable by hyparquet and arrow-rs.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import * as norm from "../../../server/estat/normalize.ts";
import type { RawStatsDataBody } from "../../../server/estat/schemas.ts";
import { type DatasetSource, type Manifest, openLake } from "../../../server/lake/index.ts";
import { rowsOf } from "../../../server/lake/sinks.ts";
import { SyntheticTable } from "../../helpers/estat-table.ts";
import { arrayBufferOf, readAll, sourceOf } from "./source.ts";

const table = new SyntheticTable({ rows: 12_000, pageSize: 5_000, statsDataId: "0009970001" });
const truth = table.rows(0, table.totalNumber);

function bodyOf(start: number): RawStatsDataBody {
  return JSON.parse(new TextDecoder().decode(table.pageBody(start))).GET_STATS_DATA.STATISTICAL_DATA;
}

/** The same pages as sourceOf(table), as column arrays from the page JSON. */
function columnarSource(): DatasetSource {
  const src = sourceOf(table);
  async function* pages() {
    for (const start of table.pageStarts()) {
      const body = bodyOf(start);
      const dims = norm.dimensions(norm.toArray(body.CLASS_INF!.CLASS_OBJ));
      yield { body: table.pageBody(start), columns: norm.columns(body, dims) };
    }
  }
  return { ...src, pages: pages() };
}

describe("columnar pages", () => {
  it("columns() holds exactly the values rows() gives, page by page", () => {
    for (const start of table.pageStarts()) {
      const body = bodyOf(start);
      const dims = norm.dimensions(norm.toArray(body.CLASS_INF!.CLASS_OBJ));
      const page = norm.columns(body, dims);
      assert.deepEqual(rowsOf(page, norm.rowColumns(dims)), norm.rows(body, dims));
    }
  });

  it("columns() matches rows() on e-Stat's quirks: unknown and missing codes, @unit, numbers, symbols, commas", () => {
    const body = bodyOf(1);
    const values = norm.toArray(body.DATA_INF!.VALUE).slice(0, 8) as Record<string, unknown>[];
    values[0] = { ...values[0], "@area": "99999" }; // a code outside CLASS_INF
    values[1] = { ...values[1] };
    delete values[1]["@cat01"]; // no code for a dimension
    values[2] = { ...values[2], "@unit": "件" };
    values[3] = { ...values[3], $: 12.5 };
    values[4] = { ...values[4], $: " 1,234 " };
    values[5] = { ...values[5], $: "1e3" };
    values[6] = { ...values[6], $: "-" };
    values[7] = { ...values[7], $: "" };
    const odd = { ...body, DATA_INF: { ...body.DATA_INF, VALUE: values } } as RawStatsDataBody;
    const dims = norm.dimensions(norm.toArray(body.CLASS_INF!.CLASS_OBJ));
    const expected = norm.rows(odd, dims);
    assert.deepEqual(rowsOf(norm.columns(odd, dims), norm.rowColumns(dims)), expected);
    assert.equal(expected[0].area, "99999");
    assert.equal(expected[4].value, 1234);
    assert.equal(expected[6].value, null);
  });

  for (const formats of [["parquet"], ["parquet", "csv", "json"]] as const) {
    it(`a save from column arrays writes the same ${formats.join(" + ")} as one from rows`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "lake-columns-"));
      try {
        const fromRows = openLake(`file://${join(dir, "rows")}`);
        const fromColumns = openLake(`file://${join(dir, "columns")}`);
        const opts = { formats: [...formats], rowGroupRows: 3_000 };
        const a: Manifest = await fromRows.saveDataset(sourceOf(table), opts);
        const b: Manifest = await fromColumns.saveDataset(columnarSource(), opts);
        assert.equal(b.rows, 12_000);
        const file = async (lake: typeof fromRows, m: Manifest, name: string) =>
          readAll((await lake.openDownload(m.datasetId, name)).stream);
        const parquet = await file(fromColumns, b, "data.parquet");
        assert.deepEqual(await parquetReadObjects({ file: arrayBufferOf(parquet) }), truth);
        // pages of 5,000 in groups of at most 3,000, never across pages: 2,500 x 4 + 2,000
        assert.deepEqual(
          parquetMetadata(arrayBufferOf(parquet)).row_groups.map((g) => Number(g.num_rows)),
          [2_500, 2_500, 2_500, 2_500, 2_000],
        );
        const arrow = await import("apache-arrow");
        const pw = await import("parquet-wasm");
        const t = arrow.tableFromIPC(pw.readParquet(parquet).intoIPCStream());
        assert.equal(t.numRows, 12_000);
        for (const i of [0, 13, 32, 4_999, 5_000, 11_999]) assert.deepEqual(t.get(i)?.toJSON(), truth[i]);
        const written = new Set<string>(formats);
        for (const name of ["data.csv", "data.json"].filter((n) => written.has(n.slice(5)))) {
          assert.deepEqual(await file(fromColumns, b, name), await file(fromRows, a, name), name);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});

describe("column chunks", () => {
  it("orders strings for min/max statistics as UTF-8 bytes (code points), surrogate pairs included", async () => {
    const fc = (await import("fast-check")).default;
    const { compareUtf8 } = await import("../../../server/lake/column-chunks.ts");
    const sign = (x: number) => Math.sign(x);
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        assert.equal(sign(compareUtf8(a, b)), sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 2_000 },
    );
    assert.ok(compareUtf8("\uffff", "😀") < 0);
    assert.ok(compareUtf8("a😀", "a\ue000") > 0);
  });

  it("writes min/max statistics for codes and values, none for labels and raw text", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lake-stats-"));
    try {
      const lake = openLake(`file://${dir}`);
      const m = await lake.saveDataset(columnarSource(), { formats: ["parquet"] });
      const meta = parquetMetadata(arrayBufferOf(await readAll((await lake.openDownload(m.datasetId, "data.parquet")).stream)));
      const stats = (name: string) =>
        meta.row_groups[0].columns.find((c) => c.meta_data?.path_in_schema[0] === name)?.meta_data?.statistics;
      const first = truth.slice(0, Number(meta.row_groups[0].num_rows));
      const codes = (k: string) => first.map((r) => r[k] as string).sort();
      for (const k of ["area", "cat01", "time"]) {
        assert.equal(stats(k)?.min_value, codes(k)[0], k);
        assert.equal(stats(k)?.max_value, codes(k).at(-1), k);
      }
      const values = first.map((r) => r.value).filter((v): v is number => v !== null);
      // (a zero minimum is written as -0, as Parquet asks; + 0 compares it as 0)
      assert.equal(Number(stats("value")?.min_value) + 0, Math.min(...values));
      assert.equal(stats("value")?.max_value, Math.max(...values));
      assert.equal(stats("value")?.null_count, BigInt(first.length - values.length));
      assert.equal(stats("areaName"), undefined);
      assert.equal(stats("raw"), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

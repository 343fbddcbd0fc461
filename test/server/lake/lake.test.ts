import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import {
  type Lake,
  type Manifest,
  openLake,
  type Row,
  storeFor,
  verifyDownload,
} from "../../../server/lake/index.ts";
import { SyntheticTable } from "../../helpers/estat-table.ts";
import { S3_CREDENTIALS, startS3, type TestS3 } from "../../helpers/s3.ts";
import { isLakeError } from "./lake-error.ts";
import { arrayBufferOf, readAll, sourceOf } from "./source.ts";

const COLUMNS = [
  "tab",
  "tabName",
  "cat01",
  "cat01Name",
  "area",
  "areaName",
  "time",
  "timeName",
  "unit",
  "value",
  "raw",
];
const SIGNING_KEY = "test-signing-key";
const PUBLIC_BASE = "http://127.0.0.1:9/base";

// 12,000 rows in pages of 5,000, 5,000, 2,000, written as row groups of 3,000.
const table = new SyntheticTable({ rows: 12_000, pageSize: 5_000 });
const truth = table.rows(0, table.totalNumber);
const GROUP_ROWS = 3_000;

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** The truth, queried by hand. */
function sortRows(rows: Row[], orderBy: { column: string; desc?: boolean }[]): Row[] {
  return [...rows].sort((a, b) => {
    for (const { column, desc } of orderBy) {
      const x = a[column];
      const y = b[column];
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * (desc ? -1 : 1);
    }
    return 0;
  });
}
const pick = (r: Row, cols: string[]) => Object.fromEntries(cols.map((c) => [c, r[c]]));

interface Target {
  uri: string;
  opts: Parameters<typeof openLake>[1];
}

function lakeSuite(
  kind: "filesystem" | "s3",
  setUp: () => Promise<{ target: Target; tearDown: () => Promise<void> }>,
) {
  describe(`openLake (${kind})`, () => {
    let lake: Lake;
    let target: Target;
    let tearDown: () => Promise<void>;
    let manifest: Manifest;
    const pagesSeen: unknown[] = [];

    const file = async (m: Manifest, name: string) =>
      readAll((await lake.openDownload(m.datasetId, name)).stream);

    before(async () => {
      ({ target, tearDown } = await setUp());
      // Grace 0: a replaced version goes at once, as this suite asserts (grace itself: versions.test.ts).
      lake = openLake(target.uri, { ...target.opts, retireGraceMs: 0 });
      await lake.check();
      manifest = await lake.saveDataset(sourceOf(table), {
        formats: ["parquet", "csv", "json"],
        rowGroupRows: GROUP_ROWS,
        onPage: (p) => {
          pagesSeen.push(p);
        },
      });
    });
    after(async () => tearDown());

    describe("saveDataset", () => {
      it("writes every row of every page into Parquet with the source's values", async () => {
        const rows = await parquetReadObjects({ file: arrayBufferOf(await file(manifest, "data.parquet")) });
        assert.equal(rows.length, 12_000);
        assert.deepEqual(rows, truth);
      });

      it("stores symbols as null values with the raw text kept, and codes as strings with leading zeros", async () => {
        const bytes = arrayBufferOf(await file(manifest, "data.parquet"));
        const rows = await parquetReadObjects({ file: bytes });
        assert.deepEqual(
          [5, 7, 13].map((i) => [rows[i].value, rows[i].raw]),
          [
            [null, "***"],
            [null, "X"],
            [null, "-"],
          ],
        );
        assert.equal(rows[3].value, 2375.7);
        assert.equal(rows[3].raw, "2375.7");
        assert.equal(rows[32].area, "01000");
        assert.equal(rows[32].areaName, "北海道");
        assert.equal(rows[0].cat01, "001");
        const meta = parquetMetadata(bytes);
        const schema = Object.fromEntries(meta.schema.slice(1).map((s) => [s.name, s]));
        assert.deepEqual(Object.keys(schema), COLUMNS);
        assert.equal(schema.value.type, "DOUBLE");
        assert.equal(schema.value.repetition_type, "OPTIONAL");
        assert.equal(schema.area.type, "BYTE_ARRAY");
        assert.equal(schema.area.converted_type, "UTF8");
        assert.equal(meta.row_groups.length, 4);
        const codecs = new Set(meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)));
        assert.deepEqual([...codecs], ["SNAPPY"]);
      });

      it("writes a file that another Parquet implementation (arrow-rs via parquet-wasm) reads with the same types", async () => {
        const arrow = await import("apache-arrow");
        const pw = await import("parquet-wasm");
        const t = arrow.tableFromIPC(pw.readParquet(await file(manifest, "data.parquet")).intoIPCStream());
        assert.equal(t.numRows, 12_000);
        assert.deepEqual(
          t.schema.fields.map((f) => [f.name, String(f.type), f.nullable]),
          COLUMNS.map((c) => [c, c === "value" ? "Float64" : "Utf8", true]),
        );
        assert.deepEqual(t.get(32)?.toJSON(), truth[32]);
        assert.deepEqual(t.get(13)?.toJSON(), truth[13]);
        assert.equal(t.get(13)?.toJSON().value, null);
      });

      it("calls onPage once per page with the running and announced totals", () => {
        assert.deepEqual(pagesSeen, [
          { page: 1, rows: 5_000, totalRows: 12_000, pageRows: 5_000 },
          { page: 2, rows: 10_000, totalRows: 12_000, pageRows: 5_000 },
          { page: 3, rows: 12_000, totalRows: 12_000, pageRows: 2_000 },
        ]);
      });

      it("writes a manifest naming the source, the columns and each file's bytes and sha256", async () => {
        const id = table.statsDataId;
        assert.equal(manifest.datasetId, `${id}/all`);
        assert.equal(manifest.variant, "all");
        assert.equal(manifest.rows, 12_000);
        assert.equal(manifest.title, table.title);
        assert.equal(manifest.updatedDate, "2025-06-20");
        assert.deepEqual(manifest.filters, {});
        assert.deepEqual(
          manifest.columns.map((c) => [c.name, c.type]),
          COLUMNS.map((c) => [c, c === "value" ? "double" : "string"]),
        );
        assert.match(manifest.fetchId, /^\d{8}T\d{9}Z-[0-9a-f]{6}$/);
        assert.deepEqual(manifest.raw, { prefix: `raw/estat/${id}/${manifest.fetchId}`, pages: 3 });
        assert.deepEqual(
          manifest.files.map((f) => [f.name, f.format, f.role, f.key]),
          [
            ["data.parquet", "parquet", "data"],
            ["data.csv", "csv", "data"],
            ["data.json", "json", "data"],
            ["meta.json", "json", "meta"],
            ["meta.csv", "csv", "meta"],
          ].map((x) => [
            ...x,
            `datasets/estat/${id}/all/${manifest.fetchId}/${x[0] === "data.parquet" ? "parquet/" : ""}${x[0]}`,
          ]),
        );
        for (const f of manifest.files) {
          const bytes = await file(manifest, f.name);
          assert.equal(f.bytes, bytes.length, f.name);
          assert.equal(f.sha256, sha256(bytes), f.name);
          assert.equal(f.uri, `${lake.describe()}/${f.key}`);
        }
        assert.deepEqual(await lake.getManifest(manifest.datasetId), manifest);
      });

      it("keeps each upstream page gzipped, byte for byte as received", async () => {
        const store = storeFor(target.uri, target.opts);
        for (const [n, start] of table.pageStarts().entries()) {
          const gz = await store.getBytes(`${manifest.raw.prefix}/page-${n + 1}.json.gz`);
          assert.ok(gz, `page-${n + 1}`);
          assert.deepEqual(gunzipSync(gz), Buffer.from(table.pageBody(start)));
        }
      });

      it("writes CSV (RFC 4180, UTF-8) and JSON with the same rows on request", async () => {
        const bytes = await file(manifest, "data.csv");
        // Regression: without a BOM Excel reads the file as Shift_JIS and shows mojibake.
        assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], "data.csv starts with a UTF-8 BOM");
        // A UTF-8 reader that knows the BOM (TextDecoder, pandas' utf-8-sig) gets the text without it.
        const csv = new TextDecoder("utf-8").decode(bytes);
        assert.equal(Buffer.byteLength(csv) + 3, bytes.length, "nothing but the BOM is dropped");
        const lines = csv.split("\r\n");
        assert.equal(lines.length, 12_002); // header + rows + the empty string after the last CRLF
        assert.equal(lines[0], COLUMNS.join(","));
        assert.equal(lines[14], "00001,観測値,001,A1101_総人口,00000,全国,1913100000,1913年度,人,,-");
        assert.equal(
          lines[4],
          "00001,観測値,001,A1101_総人口,00000,全国,1903100000,1903年度,人,2375.7,2375.7",
        );
        assert.equal(lines[9217].split(",")[3], '"C120110_県内総生産額');
        assert.match(lines[10753], /^00001,観測値,008,"D2201_""歳出""決算総額",00000,全国,/);
        const json = JSON.parse((await file(manifest, "data.json")).toString("utf8"));
        assert.deepEqual(json, truth);
        const meta = JSON.parse((await file(manifest, "meta.json")).toString("utf8"));
        assert.deepEqual(meta.dimensions, table.dimensions());
        const metaCsv = (await file(manifest, "meta.csv")).toString("utf8").split("\r\n");
        assert.equal(metaCsv[0], "dimension,dimensionName,code,name,level,unit,parentCode");
        assert.equal(metaCsv[1], "tab,観測値,00001,観測値,1,,");
        assert.equal(metaCsv[10], "area,地域,00000,全国,1,,");
        assert.equal(metaCsv[11], "area,地域,01000,北海道,2,,00000");
      });

      it("saves the same source twice as the same dataset and drops the old version's files", async () => {
        const again = await lake.saveDataset(sourceOf(table), {
          formats: ["parquet", "csv", "json"],
          rowGroupRows: GROUP_ROWS,
        });
        assert.equal(again.datasetId, manifest.datasetId);
        assert.equal(again.rows, manifest.rows);
        assert.notEqual(again.fetchId, manifest.fetchId);
        assert.deepEqual(
          again.files.map((f) => [f.name, f.bytes, f.sha256]),
          manifest.files.map((f) => [f.name, f.bytes, f.sha256]),
        );
        const store = storeFor(target.uri, target.opts);
        assert.deepEqual(await store.list(`datasets/estat/${table.statsDataId}/`), [
          ...again.files.map((f) => f.key).sort(),
          `datasets/estat/${table.statsDataId}/all/manifest.json`,
        ]);
        manifest = again;
      });

      it("maps the same filters in any order to one dataset, and tells current from stale by UPDATED_DATE", async () => {
        const small = new SyntheticTable({ rows: 500, pageSize: 200, statsDataId: "0009990002" });
        const m = await lake.saveDataset(
          sourceOf(small, {
            filters: { cdArea: ["13000", "01000"], cdCat01: ["001"] },
            updatedDate: "2024-01-01",
          }),
          { formats: ["parquet"] },
        );
        assert.match(m.variant, /^[0-9a-f]{12}$/);
        assert.deepEqual(m.filters, { cdArea: ["01000", "13000"], cdCat01: ["001"] });
        const same = await lake.findCurrent(
          "0009990002",
          { cdCat01: ["001"], cdArea: ["01000", "13000"] },
          "2024-01-01",
        );
        assert.equal(same?.datasetId, m.datasetId);
        assert.equal(
          (await lake.findCurrent("0009990002", { cdCat01: ["001"], cdArea: ["13000", "01000"] }))?.fetchId,
          m.fetchId,
        );
        assert.equal(
          await lake.findCurrent(
            "0009990002",
            { cdCat01: ["001"], cdArea: ["01000", "13000"] },
            "2025-06-20",
          ),
          undefined,
        );
        assert.equal(await lake.findCurrent("0009990002", { cdArea: ["13000"] }), undefined);
        assert.equal(await lake.findCurrent("0009990002", {}), undefined);
        assert.deepEqual(
          (await lake.listDatasets()).map((x) => x.datasetId),
          [manifest.datasetId, m.datasetId],
        );
        assert.deepEqual(
          (await lake.listDatasets("0009990002")).map((x) => x.datasetId),
          [m.datasetId],
        );
      });

      it("leaves no manifest and no new files when page 2 fails, and the stored dataset stays readable", async () => {
        const store = storeFor(target.uri, target.opts);
        const before = {
          manifest: await lake.getManifest(manifest.datasetId),
          datasets: await store.list("datasets/"),
          raw: await store.list("raw/"),
        };
        const boom = new Error("upstream went away on page 2");
        await assert.rejects(
          lake.saveDataset(sourceOf(table, { failOnPage: { page: 2, error: boom } }), {
            formats: ["parquet", "csv"],
          }),
          (err) => err === boom,
        );
        assert.deepEqual(await lake.getManifest(manifest.datasetId), before.manifest);
        assert.deepEqual(await store.list("datasets/"), before.datasets);
        assert.deepEqual(await store.list("raw/"), before.raw);
        const r = await lake.query(manifest.datasetId, { aggregate: { count: "*" } });
        assert.deepEqual(r.rows, [{ count: 12_000 }]);
      });

      it("makes no dataset visible when the first save of a table fails on page 2", async () => {
        const t = new SyntheticTable({ rows: 500, pageSize: 200, statsDataId: "0009990003" });
        const boom = new Error("boom");
        await assert.rejects(
          lake.saveDataset(sourceOf(t, { failOnPage: { page: 2, error: boom } }), { formats: ["parquet"] }),
          (err) => err === boom,
        );
        assert.equal(await lake.getManifest("0009990003/all"), undefined);
        assert.deepEqual(await lake.listDatasets("0009990003"), []);
        const store = storeFor(target.uri, target.opts);
        assert.deepEqual(await store.list("datasets/estat/0009990003/"), []);
        assert.deepEqual(await store.list("raw/estat/0009990003/"), []);
      });

      it("stops on abort while waiting for a page and saves nothing", async () => {
        const t = new SyntheticTable({ rows: 500, pageSize: 200, statsDataId: "0009990004" });
        const ac = new AbortController();
        const src = sourceOf(t, {
          beforePage: async (n) => {
            if (n === 2) {
              ac.abort();
              await new Promise(() => {}); // the upstream never answers
            }
          },
        });
        await assert.rejects(
          lake.saveDataset(src, { formats: ["parquet"], signal: ac.signal }),
          isLakeError(499, /cancelled; nothing was saved/),
        );
        assert.equal(await lake.getManifest("0009990004/all"), undefined);
        assert.deepEqual(await storeFor(target.uri, target.opts).list("raw/estat/0009990004/"), []);
      });

      it("saves an empty table (e-Stat STATUS 1) as a dataset of zero rows that queries answer", async () => {
        const t = new SyntheticTable({ rows: 0, statsDataId: "0009990006" });
        const m = await lake.saveDataset(sourceOf(t), { formats: ["parquet", "csv"] });
        assert.equal(m.rows, 0);
        assert.equal((await file(m, "data.csv")).toString("utf8"), `\uFEFF${COLUMNS.join(",")}\r\n`);
        assert.deepEqual(await lake.query(m.datasetId, {}), {
          columns: COLUMNS,
          rows: [],
          truncated: false,
          scannedRows: 0,
        });
        assert.deepEqual((await lake.query(m.datasetId, { aggregate: { count: "*", sum: "value" } })).rows, [
          { sum_value: null, count: 0 },
        ]);
      });

      it("refuses pages that hold fewer rows than TOTAL_NUMBER announced", async () => {
        const t = new SyntheticTable({ rows: 500, pageSize: 200, statsDataId: "0009990005" });
        await assert.rejects(
          lake.saveDataset(sourceOf(t, { totalNumber: 600 }), { formats: ["parquet"] }),
          isLakeError(409, /announced 600 rows .* held 500/),
        );
        assert.equal(await lake.getManifest("0009990005/all"), undefined);
      });
    });

    describe("query", () => {
      it("projects columns in file order and stops at the limit after the first row group", async () => {
        const r = await lake.query(manifest.datasetId, { columns: ["area", "value", "raw"], limit: 3 });
        assert.deepEqual(r.columns, ["area", "value", "raw"]);
        assert.deepEqual(
          r.rows,
          truth.slice(0, 3).map((x) => pick(x, ["area", "value", "raw"])),
        );
        assert.equal(r.truncated, true);
        assert.equal(r.scannedRows, GROUP_ROWS);
      });

      it("returns all columns by default, 100 rows", async () => {
        const r = await lake.query(manifest.datasetId, {});
        assert.deepEqual(r.columns, COLUMNS);
        assert.deepEqual(r.rows, truth.slice(0, 100));
        assert.equal(r.truncated, true);
      });

      it("filters by value, by list and by range, and orders the result", async () => {
        const q = {
          columns: ["cat01", "area", "time", "value"],
          where: { cat01: "001", area: ["13000", "27000"], time: { gte: "1910100000", lte: "1912100000" } },
          orderBy: [{ column: "time", desc: true }, { column: "area" }],
        };
        const r = await lake.query(manifest.datasetId, q);
        const want = sortRows(
          truth.filter(
            (x) =>
              x.cat01 === "001" &&
              (x.area === "13000" || x.area === "27000") &&
              (x.time as string) >= "1910100000" &&
              (x.time as string) <= "1912100000",
          ),
          q.orderBy,
        ).map((x) => pick(x, q.columns));
        assert.equal(want.length, 6);
        assert.deepEqual(r.rows, want);
        assert.equal(r.truncated, false);
        assert.equal(r.scannedRows, 12_000);
      });

      it("compares number columns numerically and keeps the top rows across row groups", async () => {
        const r = await lake.query(manifest.datasetId, {
          columns: ["area", "time", "value"],
          where: { value: { gte: 500_000 } },
          orderBy: [{ column: "value", desc: true }],
          limit: 7,
        });
        const matching = truth.filter((x) => x.value !== null && (x.value as number) >= 500_000);
        const want = sortRows(matching, [{ column: "value", desc: true }])
          .slice(0, 7)
          .map((x) => pick(x, ["area", "time", "value"]));
        assert.deepEqual(r.rows, want);
        assert.equal(r.truncated, matching.length > 7);
        const asc = await lake.query(manifest.datasetId, {
          columns: ["value"],
          orderBy: [{ column: "value" }],
          limit: 5,
        });
        assert.deepEqual(
          asc.rows,
          sortRows(truth, [{ column: "value" }])
            .slice(0, 5)
            .map((x) => pick(x, ["value"])),
        );
      });

      it("groups and aggregates exactly (sum, avg, min, max, count of non-null values)", async () => {
        const r = await lake.query(manifest.datasetId, {
          groupBy: ["cat01"],
          aggregate: { sum: "value", avg: "value", min: "value", max: "value", count: "value" },
        });
        // A code column brings its label along: the same eight groups, each row readable on its own.
        assert.deepEqual(r.columns, [
          "cat01",
          "cat01Name",
          "sum_value",
          "avg_value",
          "min_value",
          "max_value",
          "count_value",
        ]);
        const want: Row[] = [];
        for (const code of ["001", "002", "003", "004", "005", "006", "007", "008"]) {
          const vs = truth.filter((x) => x.cat01 === code && x.value !== null).map((x) => x.value as number);
          const sum = vs.reduce((a, b) => a + b, 0);
          want.push({
            cat01: code,
            cat01Name: truth.find((x) => x.cat01 === code)!.cat01Name as string,
            sum_value: sum,
            avg_value: sum / vs.length,
            min_value: Math.min(...vs),
            max_value: Math.max(...vs),
            count_value: vs.length,
          });
        }
        assert.deepEqual(r.rows, want);
        assert.equal(r.truncated, false);
      });

      it("counts rows with count: '*' and orders groups by an aggregate", async () => {
        const c = await lake.query(manifest.datasetId, {
          where: { cat01: "008" },
          aggregate: { count: "*" },
        });
        assert.deepEqual(c, {
          columns: ["count"],
          rows: [{ count: 1_248 }],
          truncated: false,
          scannedRows: 12_000,
        });
        const r = await lake.query(manifest.datasetId, {
          groupBy: ["area", "areaName"],
          aggregate: { sum: "value" },
          orderBy: [{ column: "sum_value", desc: true }],
          limit: 3,
        });
        const sums = new Map<string, number>();
        for (const x of truth)
          sums.set(x.area as string, (sums.get(x.area as string) ?? 0) + ((x.value as number) ?? 0));
        const top = [...sums.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
        assert.deepEqual(
          r.rows.map((x) => [x.area, x.sum_value]),
          top,
        );
        assert.equal(r.rows[0].areaName, table.areas.find((a) => a.code === top[0][0])!.name);
        assert.equal(r.truncated, true);
      });

      it("rejects unknown columns, listing the valid ones", async () => {
        const valid = new RegExp(`Valid columns: ${COLUMNS.join(", ")}\\.`);
        for (const q of [
          { columns: ["nope"] },
          { where: { areaCode: "13000" } },
          { groupBy: ["prefecture"] },
          { aggregate: { sum: "amount" } },
          { orderBy: [{ column: "x" }] },
        ]) {
          await assert.rejects(lake.query(manifest.datasetId, q), isLakeError(400, valid));
        }
        await assert.rejects(
          lake.query(manifest.datasetId, { groupBy: ["area"], orderBy: [{ column: "value" }] }),
          isLakeError(400, /orderBy "value" is not a result column\. Result columns: area, areaName\./),
        );
      });

      it("rejects bad limits, sums of text and unknown datasets with a next step", async () => {
        await assert.rejects(
          lake.query(manifest.datasetId, { limit: 10_001 }),
          isLakeError(400, /1 to 10000/),
        );
        await assert.rejects(lake.query(manifest.datasetId, { limit: 0 }), isLakeError(400, /1 to 10000/));
        await assert.rejects(
          lake.query(manifest.datasetId, { aggregate: { sum: "area" } }),
          isLakeError(400, /needs a number column.*Number columns: value\./),
        );
        await assert.rejects(
          lake.query(manifest.datasetId, { where: { value: "abc" } }),
          isLakeError(400, /give a number/),
        );
        await assert.rejects(
          lake.query("0000000000/all", {}),
          isLakeError(404, /save_dataset.*list_datasets/),
        );
        await assert.rejects(lake.query("../etc/all", {}), isLakeError(400, /Invalid datasetId/));
      });
    });

    describe("downloadUrl", () => {
      it("refuses expiries beyond 7 days and formats that were not saved", async () => {
        await assert.rejects(lake.downloadUrl(manifest.datasetId, "parquet", 0), isLakeError(400, /7 days/));
        await assert.rejects(
          lake.downloadUrl(manifest.datasetId, "parquet", 604_801),
          isLakeError(400, /7 days/),
        );
        await assert.rejects(
          lake.downloadUrl(manifest.datasetId, "xlsx", 60),
          isLakeError(404, /no "xlsx"\. Available: parquet, csv, json, meta\.json, meta\.csv\./),
        );
        const [filtered] = await lake.listDatasets("0009990002");
        await assert.rejects(
          lake.downloadUrl(filtered.datasetId, "csv", 60),
          isLakeError(
            404,
            /no "csv"\. Available: parquet, meta\.json, meta\.csv\. Save it again with that format/,
          ),
        );
      });

      if (kind === "s3") {
        it("presigns a URL that downloads the file over HTTP", async () => {
          const { url, expiresAt } = await lake.downloadUrl(manifest.datasetId, "parquet", 3600);
          const res = await fetch(url);
          assert.equal(res.status, 200);
          const bytes = new Uint8Array(await res.arrayBuffer());
          assert.equal(sha256(bytes), manifest.files[0].sha256);
          assert.ok(Math.abs(Date.parse(expiresAt) - Date.now() - 3_600_000) < 5_000);
        });
      } else {
        it("signs a URL on the server that verifyDownload accepts and openDownload serves", async () => {
          const { url, expiresAt } = await lake.downloadUrl(manifest.datasetId, "csv", 600);
          const u = new URL(url);
          assert.equal(`${u.origin}${u.pathname}`, `${PUBLIC_BASE}/datasets/${manifest.datasetId}/data.csv`);
          assert.equal(Number(u.searchParams.get("expires")) * 1000, Date.parse(expiresAt));
          const got = verifyDownload(u.pathname, Object.fromEntries(u.searchParams), SIGNING_KEY);
          assert.deepEqual(got, { datasetId: manifest.datasetId, file: "data.csv" });
          const d = await lake.openDownload(got.datasetId, got.file);
          assert.equal(d.contentType, "text/csv; charset=utf-8");
          assert.equal(d.fileName, `${table.statsDataId}-all.csv`);
          assert.equal(sha256(await readAll(d.stream)), manifest.files[1].sha256);
        });
      }
    });
  });
}

lakeSuite("filesystem", async () => {
  const dir = await mkdtemp(join(tmpdir(), "lake-test-"));
  return {
    target: { uri: `file://${dir}`, opts: { publicBaseUrl: PUBLIC_BASE, signingKey: SIGNING_KEY } },
    tearDown: () => rm(dir, { recursive: true, force: true }),
  };
});

lakeSuite("s3", async () => {
  const s3: TestS3 = await startS3();
  return {
    target: { uri: `s3://${s3.bucket}/lake`, opts: { s3Endpoint: s3.endpoint, credentials: S3_CREDENTIALS } },
    tearDown: () => s3.stop(),
  };
});

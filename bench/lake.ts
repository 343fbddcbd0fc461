/**
 * npm run bench:lake — a benchmark that prints figures (not a test).
 *
 * 1. Parquet libraries: write and read back the same 250,000-row table (time, file size).
 * 2. The lake: a fake e-Stat on 127.0.0.1 serves the table in pages of 100,000 (100k, 100k, 50k) in the
 *    recorded JSON shape; fetch() + JSON.parse + normalise + saveDataset into a filesystem lake, against the
 *    baseline of fetch() + JSON.parse of the same pages. Then a 1,000,000-row table for peak RSS.
 * Every measurement runs in a fresh child process so its peak RSS (resourceUsage().maxRSS) is its own.
 * Options: --rows N (default 250000), --big N (default 1000000), --runs N (default 3), --lake-only (skip 1).
 */
import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SyntheticTable } from "../test/helpers/estat-table.ts";

const SELF = fileURLToPath(import.meta.url);
const PAGE = 100_000;

type Result = Record<string, number | string>;

function report(r: Result) {
  r.maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

// ---- children ---------------------------------------------------------------------------------------

/** One page fetched and parsed, with the start position of the next one (NEXT_KEY). */
async function fetchPage(url: string, statsDataId: string, start: number) {
  const res = await fetch(`${url}?statsDataId=${statsDataId}&startPosition=${start}&limit=${PAGE}`);
  const body = new Uint8Array(await res.arrayBuffer());
  const json = JSON.parse(new TextDecoder().decode(body));
  const next = json.GET_STATS_DATA.STATISTICAL_DATA.RESULT_INF.NEXT_KEY;
  return { body, json, next: next === undefined ? undefined : Number(next) };
}

/** Follows NEXT_KEY from startPosition 1; yields each page's bytes and parsed JSON. */
async function* fetchPages(url: string, statsDataId: string) {
  for (let start: number | undefined = 1; start !== undefined; ) {
    const page = await fetchPage(url, statsDataId, start);
    start = page.next;
    yield page;
  }
}

async function childBaseline(url: string, statsDataId: string, warmUrl?: string, warmId?: string) {
  if (warmUrl && warmId) for await (const _ of fetchPages(warmUrl, warmId));
  const t0 = performance.now();
  let rows = 0;
  for await (const { json } of fetchPages(url, statsDataId))
    rows += json.GET_STATS_DATA.STATISTICAL_DATA.DATA_INF.VALUE.length;
  report({ task: "baseline", rows, wallMs: Math.round(performance.now() - t0) });
}

/**
 * fetch -> parse -> normalise (server/estat/normalize.ts) -> lake.saveDataset, as save_dataset does. Each
 * page is parsed and normalised inside one call (nextItem), so no suspended frame keeps a parsed page alive
 * while the next one is fetched or this one is encoded: only its column arrays and its bytes travel.
 */
async function saveFromEstat(url: string, statsDataId: string, dir: string) {
  const { openLake } = await import("../server/lake/index.ts");
  const norm = await import("../server/estat/normalize.ts");
  let start: number | undefined = 1;
  let head: { dims: ReturnType<typeof norm.dimensions>; title: string; updatedDate: string; total: number; notes: Record<string, string> } | undefined;
  const nextItem = async () => {
    const p = await fetchPage(url, statsDataId, start!);
    start = p.next;
    const sd = p.json.GET_STATS_DATA.STATISTICAL_DATA;
    if (!head) {
      const info = norm.table(sd.TABLE_INF);
      head = {
        dims: norm.dimensions(norm.toArray(sd.CLASS_INF.CLASS_OBJ)),
        title: info.title,
        updatedDate: info.updatedDate,
        total: Number(sd.RESULT_INF.TOTAL_NUMBER),
        notes: norm.notes(sd),
      };
    }
    // Column arrays, as save_dataset passes them; BENCH_ROWS=1 measures the row-object path instead.
    return process.env.BENCH_ROWS
      ? { body: p.body, rows: norm.rows(sd, head.dims) }
      : { body: p.body, columns: norm.columns(sd, head.dims) };
  };
  let pending: Awaited<ReturnType<typeof nextItem>> | undefined = await nextItem();
  const take = () => {
    const out = pending!;
    pending = undefined;
    return out;
  };
  async function* normalised() {
    yield take();
    while (start !== undefined) {
      pending = await nextItem();
      yield take();
    }
  }
  const lake = openLake(`file://${dir}`);
  return lake.saveDataset(
    {
      statsDataId,
      title: head!.title,
      updatedDate: head!.updatedDate,
      totalNumber: head!.total,
      filters: {},
      dimensions: head!.dims,
      notes: head!.notes,
      pages: normalised(),
    },
    { formats: ["parquet"] },
  );
}

async function childLake(url: string, statsDataId: string, warmUrl?: string, warmId?: string) {
  const dir = await mkdtemp(join(tmpdir(), "bench-lake-"));
  try {
    // Modules are loaded (and, with a warm-up table, the code is compiled) before the clock starts.
    await import("../server/lake/index.ts");
    await import("../server/estat/normalize.ts");
    if (warmUrl && warmId) await saveFromEstat(warmUrl, warmId, dir);
    const t0 = performance.now();
    const m = await saveFromEstat(url, statsDataId, dir);
    const wallMs = Math.round(performance.now() - t0);
    report({ task: "lake", rows: m.rows, wallMs, parquetBytes: m.files[0].bytes });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The table's column names in the lake's order: the keys of its rows (SyntheticTable.row). */
const columnNames = (rows: Record<string, string | number | null>[]) => Object.keys(rows[0] ?? {});

/** Columns of the table as arrays, the shape every writer is fed from. */
function columnsOf(rows: Record<string, string | number | null>[]) {
  return columnNames(rows).map((name) => ({ name, data: rows.map((r) => r[name] ?? null) }));
}

async function childLibrary(lib: string, n: number) {
  const rows = new SyntheticTable({ rows: n }).rows(0, n);
  const dir = await mkdtemp(join(tmpdir(), "bench-pq-"));
  const path = join(dir, "t.parquet");
  let checksum = 0;
  let readRows = 0;
  const sum = (v: unknown) => {
    readRows++;
    if (typeof v === "number") checksum += v;
  };
  try {
    let t0 = performance.now();
    if (lib === "hyparquet-writer") {
      const { parquetWriteBuffer } = await import("hyparquet-writer");
      const buf = parquetWriteBuffer({
        codec: "SNAPPY",
        rowGroupSize: 65_536,
        columnData: columnsOf(rows).map((c) => ({ ...c, type: c.name === "value" ? "DOUBLE" : "STRING" })),
      });
      await writeFile(path, new Uint8Array(buf));
    } else if (lib === "parquet-wasm") {
      const arrow = await import("apache-arrow");
      const pw = await import("parquet-wasm");
      const vectors: Record<string, any> = {};
      for (const c of columnsOf(rows)) {
        vectors[c.name] = arrow.vectorFromArray(
          c.data,
          c.name === "value" ? new arrow.Float64() : new arrow.Utf8(),
        );
      }
      const ipc = arrow.tableToIPC(new arrow.Table(vectors), "stream");
      const props = new pw.WriterPropertiesBuilder()
        .setCompression(pw.Compression.SNAPPY)
        .setMaxRowGroupSize(65_536)
        .build();
      await writeFile(path, pw.writeParquet(pw.Table.fromIPCStream(ipc), props));
    } else if (lib === "@dsnp/parquetjs") {
      const pq = (await import("@dsnp/parquetjs")).default as any;
      const columns = columnNames(rows);
      const fields: Record<string, unknown> = {};
      for (const c of columns) {
        fields[c] = { type: c === "value" ? "DOUBLE" : "UTF8", optional: true, compression: "SNAPPY" };
      }
      const w = await pq.ParquetWriter.openFile(new pq.ParquetSchema(fields), path, { rowGroupSize: 65_536 });
      for (const r of rows) {
        const o: Record<string, unknown> = {};
        for (const c of columns) if (r[c] !== null) o[c] = r[c];
        await w.appendRow(o);
      }
      await w.close();
    } else throw new Error(`unknown library ${lib}`);
    const writeMs = Math.round(performance.now() - t0);
    const bytes = (await stat(path)).size;

    t0 = performance.now();
    const file = await readFile(path);
    if (lib === "hyparquet-writer") {
      const { parquetReadObjects } = await import("hyparquet");
      const ab = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
      for (const r of await parquetReadObjects({ file: ab })) sum(r.value);
    } else if (lib === "parquet-wasm") {
      const arrow = await import("apache-arrow");
      const pw = await import("parquet-wasm");
      const t = arrow.tableFromIPC(pw.readParquet(file).intoIPCStream());
      for (const r of t) sum(r!.toJSON().value);
    } else {
      const pq = (await import("@dsnp/parquetjs")).default as any;
      const reader = await pq.ParquetReader.openFile(path);
      const cursor = reader.getCursor();
      for (let r = await cursor.next(); r; r = await cursor.next()) sum(r.value ?? null);
      await reader.close();
    }
    const readMs = Math.round(performance.now() - t0);
    const want = rows.reduce((a, r) => a + ((r.value as number | null) ?? 0), 0);
    report({
      task: "library",
      lib,
      rows: readRows,
      writeMs,
      readMs,
      bytes,
      ok: String(readRows === n && checksum === want),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- parent -----------------------------------------------------------------------------------------

function child(args: string[], nodeFlags: string[] = [], env: Record<string, string> = {}): Promise<Result> {
  return promisify(execFile)(process.execPath, [...nodeFlags, SELF, "--child", ...args], {
    maxBuffer: 1 << 20,
    env: { ...process.env, ...env },
  }).then(({ stdout }) => JSON.parse(stdout.trim().split("\n").at(-1)!));
}

/** A fake e-Stat serving pre-rendered pages, so the server's own work stays out of the measurements. */
async function fakeEstat(table: SyntheticTable) {
  const bodies = new Map<number, Uint8Array>();
  for (const start of table.pageStarts()) bodies.set(start, table.pageBody(start, PAGE));
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = bodies.get(Number(u.searchParams.get("startPosition")));
    if (!body) {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "content-length": body.byteLength,
    });
    res.end(body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rest/3.0/app/json/getStatsData`;
  const bytes = [...bodies.values()].reduce((a, b) => a + b.byteLength, 0);
  return { url, bytes, pages: bodies.size, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const arg = (name: string, def: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  const rows = arg("rows", 250_000);
  const big = arg("big", 1_000_000);
  const runs = arg("runs", 3);
  const print = (s: string) => process.stdout.write(`${s}\n`);
  print(
    `node ${process.version}, ${rows.toLocaleString("en")} rows, pages of ${PAGE.toLocaleString("en")}, ${runs} runs (median)`,
  );

  const libs = process.argv.includes("--lake-only") ? [] : ["hyparquet-writer", "parquet-wasm", "@dsnp/parquetjs"];
  if (libs.length) print("\n1) Parquet libraries: write + read back the same table (SNAPPY, row groups of 65,536)");
  if (libs.length) print("library              write ms   read ms   file MB   peak RSS MB   round trip");
  for (const lib of libs) {
    try {
      const rs: Result[] = [];
      for (let i = 0; i < runs; i++) rs.push(await child(["library", lib, String(rows)]));
      const w = median(rs.map((r) => Number(r.writeMs)));
      const rd = median(rs.map((r) => Number(r.readMs)));
      const mb = (Number(rs[0].bytes) / 1e6).toFixed(2);
      print(
        `${lib.padEnd(20)} ${String(w).padStart(8)} ${String(rd).padStart(9)} ${mb.padStart(9)} ${String(median(rs.map((r) => Number(r.maxRssMB)))).padStart(13)}   ${rs[0].ok === "true" ? "ok" : "MISMATCH"}`,
      );
    } catch (err) {
      print(`${lib.padEnd(20)} failed: ${(err as Error).message.split("\n")[0]}`);
    }
  }

  print("\n2) fake e-Stat on 127.0.0.1 -> fetch -> JSON.parse [-> normalise -> Parquet in a file:// lake]");
  const measured: Record<string, { wall: number; rss: number; extra?: string }> = {};
  // A different, smaller table warms the code up in the "warm" runs, as earlier saves do in a server.
  const warmTable = new SyntheticTable({ rows: 60_000, statsDataId: "0009900060", pageSize: PAGE });
  const warm = await fakeEstat(warmTable);
  // Settings per mode. "tuned" = the settings docs/lake.md recommends for the server: V8's young generation
  // capped (--max-semi-space-size=4, MB per semi-space; by default it grows to 16 MB+ per semi-space once
  // parsing 10 MB pages keeps most of each scavenge alive) and glibc's mmap threshold fixed at 128 KiB (by
  // default it rises after the first 10 MB buffer is freed, and later page buffers fragment the heap).
  // Neither is reached in a 3-page run; both are in a 10-page run. "capped": the old space capped at 256 MB.
  const MODES: Record<string, { flags: string[]; env: Record<string, string>; label: string }> = {
    cold: { flags: [], env: {}, label: "default settings" },
    warm: { flags: [], env: {}, label: "default settings" },
    tuned: {
      flags: ["--max-semi-space-size=4"],
      env: { MALLOC_MMAP_THRESHOLD_: "131072" },
      label: "--max-semi-space-size=4 + MALLOC_MMAP_THRESHOLD_=131072",
    },
    capped: { flags: ["--max-old-space-size=256"], env: {}, label: "--max-old-space-size=256" },
  };
  const plan: [string, number, string, boolean, number][] = [
    ["cold", rows, "baseline", false, runs],
    ["cold", rows, "lake", false, runs],
    ["warm", rows, "baseline", true, runs],
    ["warm", rows, "lake", true, runs],
    ["tuned", rows, "baseline", false, runs],
    ["tuned", rows, "lake", false, runs],
    ["capped", rows, "lake", false, runs],
    ["cold", big, "baseline", false, 1],
    ["cold", big, "lake", false, runs],
    ["tuned", big, "baseline", false, 1],
    ["tuned", big, "lake", false, runs],
    ["capped", big, "lake", false, runs],
  ];
  const fakes = new Map<number, Awaited<ReturnType<typeof fakeEstat>>>();
  for (const [mode, n, task, warmUp, reps] of plan) {
    const table = new SyntheticTable({ rows: n, statsDataId: `00099${n}`.slice(0, 10), pageSize: PAGE });
    if (!fakes.has(n)) {
      for (const f of fakes.values()) await f.close();
      fakes.clear();
      fakes.set(n, await fakeEstat(table));
    }
    const fake = fakes.get(n)!;
    const rs: Result[] = [];
    const args = [task, fake.url, table.statsDataId, ...(warmUp ? [warm.url, warmTable.statsDataId] : [])];
    for (let i = 0; i < reps; i++) rs.push(await child(args, MODES[mode].flags, MODES[mode].env));
    if (rs.some((r) => Number(r.rows) !== n))
      throw new Error(`${task} saw ${rs.map((r) => r.rows)} rows, expected ${n}`);
    const extra =
      task === "lake"
        ? `Parquet ${(Number(rs[0].parquetBytes) / 1e6).toFixed(2)} MB`
        : `JSON ${(fake.bytes / 1e6).toFixed(1)} MB in ${fake.pages} pages`;
    measured[`${task} ${mode} ${n}`] = {
      wall: median(rs.map((r) => Number(r.wallMs))),
      rss: median(rs.map((r) => Number(r.maxRssMB))),
      extra: `${extra}; runs: ${rs.map((r) => r.wallMs).join(", ")} ms, ${rs.map((r) => r.maxRssMB).join(", ")} MB`,
    };
  }
  for (const f of fakes.values()) await f.close();
  await warm.close();
  print("run                          wall ms   peak RSS MB   notes");
  for (const [k, v] of Object.entries(measured)) {
    print(`${k.padEnd(27)} ${String(v.wall).padStart(8)} ${String(v.rss).padStart(13)}   ${v.extra ?? ""}`);
  }
  const ratio = (a: string, b: string, f: "wall" | "rss") => measured[a][f] / measured[b][f];
  const verdict = (x: number, max: number) => `${x.toFixed(2)}x (target <= ${max}x) ${x <= max ? "MET" : "MISSED"}`;
  const n = (x: number) => x.toLocaleString("en");
  print("");
  for (const [label, mode] of [
    ["fresh process", "cold"],
    ["warmed up", "warm"],
    ["tuned", "tuned"],
  ]) {
    print(`wall, lake / parse baseline, ${n(rows)} rows, ${label}: ${verdict(ratio(`lake ${mode} ${rows}`, `baseline ${mode} ${rows}`, "wall"), 3)}`);
  }
  for (const mode of ["cold", "tuned", "capped"]) {
    const label = MODES[mode].label;
    print(`peak RSS, lake ${n(big)} / ${n(rows)} rows, ${label}: ${verdict(ratio(`lake ${mode} ${big}`, `lake ${mode} ${rows}`, "rss"), 1.25)}`);
  }
  for (const mode of ["cold", "tuned"]) {
    print(`(fetch + parse baseline peak RSS ${n(big)} / ${n(rows)}, ${MODES[mode].label}: ${ratio(`baseline ${mode} ${big}`, `baseline ${mode} ${rows}`, "rss").toFixed(2)}x)`);
  }
}

if (process.argv[2] === "--child") {
  const [task, a, b, c, d] = process.argv.slice(3);
  if (task === "baseline") await childBaseline(a, b, c, d);
  else if (task === "lake") await childLake(a, b, c, d);
  else if (task === "library") await childLibrary(a, Number(b));
  else throw new Error(`unknown task ${task}`);
} else {
  await main();
}

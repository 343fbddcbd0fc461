/**
 * npm run bench:lambda: what the bundle costs where it runs.
 *   1. dist/lambda.zip's size (target ≤ 1.5 MB).
 *   2. Lambda cold start: a fresh process that imports dist/server/lambda.mjs and answers one tools/list
 *      event (runtime double: test/helpers/lambda-runtime.ts), against a fresh process whose bare
 *      streaming handler answers the same bytes (target ≤ 2×).
 *   3. Container cold start: spawn `node dist/server/main.mjs` → first tools/list over HTTP, against a
 *      bare node:http server sending the same bytes (target ≤ 2×): as the image starts it (its NODE_OPTIONS
 *      and the compile cache its build writes, by the same scripts/warm-compile-cache.mjs), without the
 *      cache, and the unbundled server for reference.
 *   4. The floor the MCP SDK sets: its handler alone (bench/sdk-floor-lambda.ts, bench/sdk-floor.ts: the same
 *      tool definitions and pooled servers as /mcp, no Koa, adapter, auth, logs or environment), bundled with
 *      the server's own esbuild options (scripts/build.mjs BUNDLE_OPTIONS). Above it is what the app adds.
 *   5. The floor the parts set: Koa, pino, the SDK's handler and (Lambda) the adapter, wired with nothing of
 *      ours between them (bench/parts-app.ts). Above it is our own code; below it, nobody's.
 * Medians of BENCH_RUNS (7) runs, same machine, same run: read the ratios.
 */
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { BUNDLE_OPTIONS } from "../scripts/build.mjs";
import { freePort, modernRequest } from "../test/helpers/mcp-wire.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const KEY = "bench-key-0123456789abcdef";
const dir = mkdtempSync(join(tmpdir(), "bench-lambda-"));
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  HOST: "0.0.0.0",
  LOG_LEVEL: "silent",
  ESTAT_APP_ID: "bench-app-id",
  MCP_API_KEYS: KEY,
  DATA_LAKE: `file://${dir}/lake`,
};
const list = modernRequest("tools/list", {}, { client: "bench", headers: { "x-api-key": KEY } });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Spawn → exit of a process that does one cold invocation; its stdout is the answer. */
async function invokeOnce(module: string): Promise<{ ms: number; out: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, ["bench/lambda-invoke.ts", module, JSON.stringify({ url: "https://bench.execute-api.ap-northeast-1.amazonaws.com/mcp", init: list })], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (c) => {
    out += c;
  });
  await once(child, "exit");
  return { ms: performance.now() - started, out };
}

async function firstAnswer(args: string[], extraEnv: Record<string, string> = {}): Promise<{ ms: number; body: string }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...env, ...extraEnv, HOST: "127.0.0.1", PORT: String(port) }, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}${args[0].includes("bare") ? "/" : "/mcp"}`;
  let body: string;
  for (;;) {
    try {
      const res = await fetch(url, list);
      if (res.ok) {
        body = await res.text();
        break;
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 2));
  }
  const ms = performance.now() - started;
  child.kill("SIGKILL");
  await once(child, "exit");
  return { ms, body };
}

async function main() {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: ["ignore", "ignore", "inherit"] });
  const zipBytes = statSync("dist/lambda.zip").size;

  const bundled = await invokeOnce("dist/server/lambda.mjs");
  const [status, ...rest] = bundled.out.split(" ");
  if (status !== "200") throw new Error(`the bundled handler answered ${bundled.out.slice(0, 200)}`);
  const body = rest.join(" ");
  // The bare handler streams the same status, content type and bytes.
  const bare = join(dir, "bare-handler.mjs");
  writeFileSync(
    bare,
    `const BODY = ${JSON.stringify(body)};\nexport const handler = awslambda.streamifyResponse(async (event, stream) => {\n` +
      `  const out = awslambda.HttpResponseStream.from(stream, { statusCode: 200, headers: { "content-type": "application/json" } });\n  out.end(BODY);\n});\n`,
  );
  const bareHttp = join(dir, "bare-http.mjs");
  writeFileSync(
    bareHttp,
    `import { createServer } from "node:http";\nconst BODY = ${JSON.stringify(body)};\n` +
      `createServer((req, res) => { req.resume(); req.on("end", () => { res.writeHead(200, { "content-type": "application/json" }); res.end(BODY); }); }).listen(Number(process.env.PORT), "127.0.0.1");\n`,
  );
  if ((await invokeOnce(bare)).out !== bundled.out) throw new Error("the bare handler does not answer the same bytes");
  const floors = join(dir, "floors");
  await build({
    ...BUNDLE_OPTIONS,
    absWorkingDir: process.cwd(),
    entryPoints: {
      "sdk-floor": "bench/sdk-floor.ts",
      "sdk-floor-lambda": "bench/sdk-floor-lambda.ts",
      "parts-floor": "bench/parts-floor.ts",
      "parts-floor-lambda": "bench/parts-floor-lambda.ts",
    },
    outdir: floors,
  });
  const floorLambda = join(floors, "sdk-floor-lambda.mjs");
  const floorHttp = join(floors, "sdk-floor.mjs");
  const partsLambda = join(floors, "parts-floor-lambda.mjs");
  const partsHttp = join(floors, "parts-floor.mjs");
  for (const floor of [floorLambda, partsLambda]) {
    if ((await invokeOnce(floor)).out !== bundled.out) throw new Error(`${floor} does not answer the same bytes`);
  }
  for (const server of [floorHttp, partsHttp, "dist/server/main.mjs"]) {
    if ((await firstAnswer([server])).body !== body) throw new Error(`${server} does not answer the Lambda handler's bytes`);
  }

  // The image's start: its NODE_OPTIONS (from the Dockerfile's ENV) and a compile cache written the way
  // its build writes one.
  const dockerfile = readFileSync("Dockerfile", "utf8");
  const nodeOptions = /^ENV NODE_OPTIONS="([^"]*)"/m.exec(dockerfile)?.[1];
  if (!nodeOptions || !/^ENV NODE_COMPILE_CACHE=/m.test(dockerfile)) throw new Error("the Dockerfile no longer sets NODE_OPTIONS and NODE_COMPILE_CACHE");
  const imageEnv = { NODE_OPTIONS: nodeOptions, NODE_COMPILE_CACHE: join(dir, "compile-cache") };
  execFileSync(process.execPath, ["scripts/warm-compile-cache.mjs", "dist/server/main.mjs"], {
    env: { ...env, ...imageEnv },
    stdio: ["ignore", "ignore", "inherit"],
  });

  // Each row: a fresh process per run; rows are interleaved run by run, so a drift of the machine falls on
  // all. `vs` is the row a ratio is taken against (the bare one of its kind); `floors` add ratios to the floors.
  const lambdaRun = (module: string) => async () => (await invokeOnce(module)).ms;
  const httpRun = (args: string[], extraEnv?: Record<string, string>) => async () => (await firstAnswer(args, extraEnv)).ms;
  interface Row {
    label: string;
    run: () => Promise<number>;
    vs?: string;
    floors?: [string, string];
    times: number[];
  }
  const L_BARE = "Lambda: bare streaming handler";
  const L_SDK = "Lambda: the MCP SDK's handler alone, bundled";
  const L_PARTS = "Lambda: the parts alone (+ Koa, pino, adapter)";
  const C_BARE = "container: bare node:http";
  const C_SDK = "container: the MCP SDK's handler alone, bundled";
  const C_PARTS = "container: the parts alone (+ Koa, pino)";
  const rows: Row[] = [
    { label: L_BARE, run: lambdaRun(bare) },
    { label: L_SDK, run: lambdaRun(floorLambda), vs: L_BARE },
    { label: L_PARTS, run: lambdaRun(partsLambda), vs: L_BARE },
    {
      label: "Lambda: dist/server/lambda.mjs",
      run: lambdaRun("dist/server/lambda.mjs"),
      vs: L_BARE,
      floors: [L_SDK, L_PARTS],
    },
    { label: C_BARE, run: httpRun([bareHttp]) },
    { label: C_SDK, run: httpRun([floorHttp]), vs: C_BARE },
    { label: C_PARTS, run: httpRun([partsHttp]), vs: C_BARE },
    {
      label: "container: as the image starts it",
      run: httpRun(["dist/server/main.mjs"], imageEnv),
      vs: C_BARE,
      floors: [C_SDK, C_PARTS],
    },
    { label: "container: node dist/server/main.mjs, no cache", run: httpRun(["dist/server/main.mjs"]), vs: C_BARE },
    { label: "container: node server/main.ts (sources)", run: httpRun(["server/main.ts"]), vs: C_BARE },
  ].map((r) => ({ ...r, times: [] }) as Row);
  for (let i = 0; i < RUNS; i++) for (const row of rows) row.times.push(await row.run());

  const mid = new Map(rows.map((r) => [r.label, median(r.times)]));
  const ms = (x: number) => `${x.toFixed(0).padStart(6)} ms`;
  const ratio = (a: string, b: string) => `${(mid.get(a)! / mid.get(b)!).toFixed(2)}×`;
  console.log(`node ${process.version}, ${RUNS} runs each (median), tools/list answer ${Buffer.byteLength(body)} bytes`);
  console.log(`dist/lambda.zip                         ${(zipBytes / 1024 / 1024).toFixed(2)} MB (${zipBytes} bytes; target ≤ 1.5 MB)`);
  console.log("cold start → first tools/list                     median   ratio (target ≤ 2×)");
  for (const r of rows) {
    const vs = r.vs ? `   ${ratio(r.label, r.vs)}` : "";
    const floors = r.floors ? `   (${ratio(r.label, r.floors[0])} the SDK alone, ${ratio(r.label, r.floors[1])} the parts)` : "";
    console.log(`  ${r.label.padEnd(44)} ${ms(mid.get(r.label)!)}${vs}${floors}`);
  }
}

await main();

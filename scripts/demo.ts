/**
 * npm run demo: try every tool offline. Starts the project's fake e-Stat (the one the tests use,
 * replaying recorded responses, plus a generated 30,000-row table for the data lake tools) and the
 * server pointed at it, with a local data lake in a temporary folder.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SyntheticTable } from "../test/helpers/estat-table.ts";
import { FakeEstat } from "../test/helpers/fake-estat.ts";

const port = process.env.PORT || "8080";
// Checked before anything starts: with the port taken, polling it below would find someone else's server.
const probe = createServer();
const taken = await new Promise<boolean>((done) => {
  probe.once("error", () => done(true));
  probe.listen(Number(port), "127.0.0.1", () => probe.close(() => done(false)));
});
if (taken) {
  process.stderr.write(`estat-mcp-cloud demo: port ${port} is in use; set PORT to a free port (e.g. PORT=${Number(port) + 1} npm run demo).\n`);
  process.exit(1);
}
const fake = await new FakeEstat().listen();
fake.addSynthetic(new SyntheticTable({ rows: 30_000, statsDataId: "0000030000", pageSize: 10_000 }));
const lake = mkdtempSync(join(tmpdir(), "estat-demo-lake-"));

// process.execArgv carries tsx's loader when an older Node runs this through scripts/start.mjs.
const server = spawn(process.execPath, [...process.execArgv, "server/main.ts"], {
  stdio: "inherit",
  env: {
    ...process.env,
    HOST: "127.0.0.1",
    PORT: port,
    ESTAT_API_URL: fake.url,
    ESTAT_APP_ID: fake.appId,
    DATA_LAKE: `file://${lake}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  },
});

let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  if (server.exitCode === null && server.signalCode === null) {
    server.kill("SIGTERM");
    await once(server, "exit");
  }
  await fake.close();
  // The lake is this run's scratch folder: nothing in it outlives the demo.
  rmSync(lake, { recursive: true, force: true });
  process.exit(code);
};
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
process.on("SIGHUP", () => void stop(0));
// The server explains its own failures (a busy port, a bad variable) in one line before it exits.
server.on("exit", (code) => void stop(code ?? 1));

const url = `http://127.0.0.1:${port}`;
// The banner promises a server at `url`: print it once that server answers, not before.
while (!(await fetch(`${url}/healthz`).then((r) => r.ok, () => false))) {
  if (stopping) await new Promise(() => {});
  await new Promise((r) => setTimeout(r, 100));
}
process.stdout.write(`
estat-mcp-cloud demo: a fake e-Stat at ${fake.url.replace(/\/rest.*/, "")} and the server at ${url}/mcp
(data lake: ${lake}). Tables you can ask for: 0003445078 (国勢調査 男女別人口), 0000020202 (市区町村 自然環境),
0003425893 (賃金構造基本統計調査), 0000030000 (a generated 30,000-row table for save_dataset).

  curl -s ${url}/tools | head -c 400
  curl -s -X POST ${url}/execute -H 'content-type: application/json' \\
    -d '{"tool_name":"get_stats_data","arguments":{"statsDataId":"0003445078","filters":{"area":"東京都"}}}'
  npx @modelcontextprotocol/inspector --cli ${url}/mcp --transport http --method tools/list
  claude mcp add --transport http estat-demo ${url}/mcp

Ctrl-C stops both.
`);


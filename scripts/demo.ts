/**
 * npm run demo: try every tool offline. Starts the project's fake e-Stat (the one the tests use,
 * replaying recorded responses, plus a generated 30,000-row table for the data lake tools) and the
 * server pointed at it, with a local data lake in a temporary folder.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SyntheticTable } from "../test/helpers/estat-table.ts";
import { FakeEstat } from "../test/helpers/fake-estat.ts";

const port = process.env.PORT ?? "8080";
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

const url = `http://127.0.0.1:${port}`;
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

const stop = async () => {
  server.kill("SIGTERM");
  await fake.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
server.on("exit", (code) => {
  void fake.close().then(() => process.exit(code ?? 0));
});

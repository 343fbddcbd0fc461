import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { FakeEstat } from "../helpers/fake-estat.ts";
import { type Running, startServer } from "../helpers/server.ts";

const SCRIPT = join(import.meta.dirname, "../../scripts/smoke-check.sh");
const KEY = "smokeK3ysmokeK3ysmokeK3ysmokeK3ysmokeK3y";

/** Runs the deploy's smoke check against a local server, with a `pulumi` on PATH that answers its outputs. */
async function smoke(endpoint: string, bin: string) {
  writeFileSync(
    join(bin, "pulumi"),
    `#!/usr/bin/env bash\ncase "$*" in\n  *"output endpoint"*) echo "${endpoint}/mcp" ;;\n` +
      `  *"output apiKey"*) echo "${KEY}" ;;\n  *) exit 2 ;;\nesac\n`,
  );
  chmodSync(join(bin, "pulumi"), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, SMOKE_ATTEMPTS: "1", GITHUB_ACTIONS: "" };
  try {
    const { stdout, stderr } = await promisify(execFile)("bash", [SCRIPT, "dev"], { env });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

// Regression: the smoke check only listed tools, so a task that could not write its lake (/tmp
// root-owned on Fargate) passed the deploy and failed every user's save_dataset.
describe("scripts/smoke-check.sh (the deploy's post-deploy check)", () => {
  let fake: FakeEstat;
  let srv: Running;
  let dir: string;
  let lake: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "smoke-"));
    lake = join(dir, "lake");
    mkdirSync(lake);
    fake = await new FakeEstat().listen();
    srv = await startServer({
      ESTAT_API_URL: fake.url,
      ESTAT_APP_ID: fake.appId,
      DATA_LAKE: `file://${lake}`,
      MCP_API_KEYS: KEY,
    });
  });
  after(async () => {
    await srv.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes when the server answers and saves a small dataset to its lake", async () => {
    const r = await smoke(srv.base, dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /saved: 0003445078\/[^,]+, 1 rows, \d+ files/);
    assert.match(r.stdout, /OK: .* saves a dataset to its lake/);
    const saves = fake.callsTo("getStatsData");
    assert.deepEqual(
      saves.map((c) => [c.params.cdArea, c.params.cdCat01]),
      [["13000", "0"]],
    );
    assert.ok(existsSync(join(lake, "datasets/estat/0003445078")), "the dataset is in the lake");
  });

  it("saves again on every run (refresh), so a stored copy cannot hide a broken lake", async () => {
    fake.reset();
    const r = await smoke(srv.base, dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fake.callsTo("getStatsData").length, 1);
  });

  it("fails the deploy when the lake cannot be written, though /healthz and tools/list still answer", async () => {
    // A read-only lake. chmod alone does not stop root (CI runs as root), so the staging folder the file
    // lake writes through is also replaced by a plain file: nobody can create files under it.
    rmSync(join(lake, ".staging"), { recursive: true, force: true });
    writeFileSync(join(lake, ".staging"), "not a folder");
    chmodSync(lake, 0o555);
    try {
      const r = await smoke(srv.base, dir);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /OK: .* answers \/healthz and lists search_stats/, "the first check passed");
      assert.match(r.stderr, /FAIL: save_dataset did not write the lake: /);
      assert.match(r.stderr, /answers but cannot save to its data lake/);
      assert.doesNotMatch(`${r.stdout}${r.stderr}`, new RegExp(KEY));
    } finally {
      chmodSync(lake, 0o755);
      rmSync(join(lake, ".staging"), { force: true });
    }
    assert.ok(readdirSync(lake).length > 0);
  });
});

/**
 * stdoutLog (server/logger.ts) in a process of its own whose stdout nobody reads: how much it holds,
 * and that process.exit still returns (its exit hook ahead of pino's). tsx itself opens process.stdout,
 * which makes fd 1 non-blocking here either way: that part is tested on the bundle (main.test.ts).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";

const LOGGER = join(import.meta.dirname, "..", "..", "server", "logger.ts");
const LINES = 10_000;

// What both children start with: a logger on stdoutLog, counting the lines it drops.
const PROLOGUE = `
import { createLogger, stdoutLog } from ${JSON.stringify(LOGGER)};
const log = stdoutLog();
let dropped = 0;
log.stream.on("drop", () => dropped++);
const logger = createLogger({ level: "info", secrets: [], destination: log.stream });
const pad = "x".repeat(1000);
`;

// Every line the same length (a fixed-width counter), so how many fit in 4 MiB is exact.
const CHILD = `${PROLOGUE}
let bytes = 0;
const write = log.stream.write.bind(log.stream);
log.stream.write = (line) => ((bytes ||= Buffer.byteLength(line)), write(line));
for (let i = 0; i < ${LINES}; i++) logger.info({ n: String(i).padStart(6, "0"), pad }, "line");
setTimeout(() => {
  process.stderr.write(JSON.stringify({ dropped, lineBytes: bytes }) + "\\n");
  process.exit(0);
}, 300);
`;

/**
 * Runs `code` in a child whose stdout is not read (paused from the start); its stderr is collected, its
 * report is the first JSON line it writes there, and a child that outlives 15 s is killed.
 */
function unread(code: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    env: { PATH: process.env.PATH },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pause();
  let stderr = "";
  const firstLine = new Promise<string>((resolve) =>
    child.stderr.on("data", (c) => {
      stderr += c;
      const report = stderr.split("\n").find((l, i, all) => i < all.length - 1 && l.startsWith("{"));
      if (report !== undefined) resolve(report);
    }),
  );
  const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const exited = (once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>).finally(() => clearTimeout(killer));
  return { child, stderr: () => stderr, firstLine, exited };
}

describe("stdoutLog (server/logger.ts) with a stdout nobody reads", function () {
  this.timeout(30_000);

  it("holds at most 4 MiB, drops the lines past that, and process.exit still returns", async () => {
    const { child, stderr, firstLine, exited } = unread(CHILD);
    const [code, signal] = await exited;
    assert.equal(signal, null, `killed: process.exit did not return (${stderr()})`);
    assert.equal(code, 0, stderr());

    const { dropped, lineBytes } = JSON.parse(await firstLine) as { dropped: number; lineBytes: number };
    assert.ok(lineBytes > 1000);
    assert.equal(dropped, LINES - Math.floor((4 * 1024 * 1024) / lineBytes));

    let received = 0;
    for await (const chunk of child.stdout) received += (chunk as Buffer).length;
    assert.ok(received > 0 && received <= 4 * 1024 * 1024, `${received} bytes reached the pipe`);
    assert.equal(received % lineBytes, 0, "only whole lines reached the pipe");
  });

  it("says how many lines it dropped, in one warn line, once stdout is read again", async () => {
    const { child, stderr, firstLine, exited } = unread(READ_LATER);
    const { dropped } = JSON.parse(await firstLine) as { dropped: number };
    assert.ok(dropped > 0, "nothing was dropped: the pipe never filled");
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stdout.resume();
    const [code] = await exited;
    assert.equal(code, 0, stderr());
    const reports = out
      .split("\n")
      .filter((l) => l.includes('"log_lines_dropped"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(reports.length, 1, `${reports.length} reports`);
    assert.equal(reports[0].level, "warn");
    assert.equal(reports[0].count, dropped);
    assert.match(String(reports[0].msg), new RegExp(`${dropped} log lines were dropped`));
    assert.ok(out.trimEnd().endsWith("}"), "the report is a whole line");
  });
});

// Logs past the bound while nobody reads, tells the parent how many it dropped, and keeps running while
// the parent reads.
const READ_LATER = `${PROLOGUE}
for (let i = 0; i < ${LINES}; i++) logger.info({ n: i, pad }, "line");
process.stderr.write(JSON.stringify({ dropped }) + "\\n");
setTimeout(() => process.exit(0), 3000);
`;


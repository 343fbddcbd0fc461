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

// Every line the same length (a fixed-width counter), so how many fit in 4 MiB is exact.
const CHILD = `
import { createLogger, stdoutLog } from ${JSON.stringify(LOGGER)};
const log = stdoutLog();
let dropped = 0;
log.stream.on("drop", () => dropped++);
const logger = createLogger({ level: "info", secrets: [], destination: log.stream });
const pad = "x".repeat(1000);
let bytes = 0;
const write = log.stream.write.bind(log.stream);
log.stream.write = (line) => ((bytes ||= Buffer.byteLength(line)), write(line));
for (let i = 0; i < ${LINES}; i++) logger.info({ n: String(i).padStart(6, "0"), pad }, "line");
setTimeout(() => {
  process.stderr.write(JSON.stringify({ dropped, lineBytes: bytes }) + "\\n");
  process.exit(0);
}, 300);
`;

describe("stdoutLog (server/logger.ts) with a stdout nobody reads", function () {
  this.timeout(30_000);

  it("holds at most 4 MiB, drops the lines past that, and process.exit still returns", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", CHILD], {
      env: { PATH: process.env.PATH },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.pause();
    let stderr = "";
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
    clearTimeout(killer);
    assert.equal(signal, null, `killed: process.exit did not return (${stderr})`);
    assert.equal(code, 0, stderr);

    const { dropped, lineBytes } = JSON.parse(stderr.trim().split("\n").at(-1)!) as { dropped: number; lineBytes: number };
    assert.ok(lineBytes > 1000);
    assert.equal(dropped, LINES - Math.floor((4 * 1024 * 1024) / lineBytes));

    let received = 0;
    for await (const chunk of child.stdout) received += (chunk as Buffer).length;
    assert.ok(received > 0 && received <= 4 * 1024 * 1024, `${received} bytes reached the pipe`);
    assert.equal(received % lineBytes, 0, "only whole lines reached the pipe");
  });
});

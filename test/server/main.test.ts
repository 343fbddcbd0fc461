/**
 * The shipped entry, dist/server/main.mjs (built by the suite's root hook), as a process whose stdout
 * nobody reads: a stalled log collector, or a parent that spawned it and never drains the pipe.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BUNDLE = join(import.meta.dirname, "..", "..", "dist", "server", "main.mjs");
const GRACE_MS = 2000;
const REQUESTS = 3000;
// Each request logs its path (up to 256 characters): ~3000 lines of ~450 bytes, several times what the
// socket pair between the processes and the parent's stream buffer hold together.
const PATH = `/healthz/${"x".repeat(240)}`;

describe("dist/server/main.mjs with a stdout nobody reads", function () {
  this.timeout(60_000);
  let dir: string;
  let child: ReturnType<typeof spawn> | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "blocked-stdout-lake-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });

  // Regression: with the pipe full, sonic-boom's write blocked a libuv worker in write(2), process.exit
  // then waited for that thread for ever (pino's exit hook, a flushSync, blocked the main thread too): the
  // server logged nothing more and never exited on SIGTERM. With LOG_LEVEL=silent it exited.
  it("exits 0 on SIGTERM within the grace period, dropping the log lines it cannot write", async () => {
    child = spawn(process.execPath, [BUNDLE], {
      env: {
        PATH: process.env.PATH,
        HOST: "127.0.0.1",
        PORT: "0",
        LOG_LEVEL: "info",
        ESTAT_APP_ID: "blocked-stdout-app-id-0123",
        DATA_LAKE: `file://${dir}`,
        SHUTDOWN_GRACE_MS: String(GRACE_MS),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    // Read stdout only until the server says where it listens; from then on nobody reads it.
    const stdout = child.stdout!;
    let head = "";
    const base = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        head += chunk;
        const url = /"url":"(http:\/\/[^"]+)\/mcp"/.exec(head)?.[1];
        if (!url) return;
        stdout.off("data", onData);
        stdout.pause();
        resolve(url);
      };
      stdout.on("data", onData);
      void exited.then(([code]) => reject(new Error(`server exited ${code} before listening`)));
    });

    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < REQUESTS) {
        next += 1;
        const res = await fetch(`${base}${PATH}`);
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    assert.deepEqual([...statuses], [[404, REQUESTS]], "the server kept answering with its stdout full");

    const sigterm = performance.now();
    child.kill("SIGTERM");
    const timer = setTimeout(() => child!.kill("SIGKILL"), GRACE_MS + 10_000);
    const [code, signal] = await exited;
    const waited = performance.now() - sigterm;
    clearTimeout(timer);
    assert.equal(signal, null, `killed by ${signal} ${waited.toFixed(0)} ms after SIGTERM: it did not stop by itself`);
    assert.equal(code, 0);
    assert.ok(waited < GRACE_MS + 1500, `exited ${waited.toFixed(0)} ms after SIGTERM (grace ${GRACE_MS} ms)`);

    // What was left in the pipe can be read now: fewer request lines than requests, so the pipe really
    // was full and lines were dropped rather than waited for.
    let rest = head;
    for await (const chunk of stdout) rest += chunk;
    const requestLines = rest.split("\n").filter((l) => l.includes('"event":"request"')).length;
    assert.ok(requestLines > 0 && requestLines < REQUESTS, `${requestLines} request lines of ${REQUESTS} reached the pipe`);
  });
});

import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import Koa from "koa";
import { healthRoutes } from "../../../server/http/routes/health.ts";
import { createLogger } from "../../../server/logger.ts";
import { type Running, startServer } from "../../helpers/server.ts";

/** The health routes alone on 127.0.0.1, with a lake check that counts its runs. */
async function serveHealth(check: () => Promise<void>, opts: { probeCacheMs?: number; perMinute?: number } = {}) {
  const logs: string[] = [];
  const logger = createLogger({
    level: "warn",
    secrets: [],
    destination: new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }),
  });
  const app = new Koa();
  app.use(
    healthRoutes({
      estat: { configured: true, circuit: "closed" },
      readiness: { lake: check },
      isDraining: () => false,
      logger,
      ...opts,
    }).routes(),
  );
  const server: Server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, logs, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("/readyz: cached, throttled, and silent about where the lake is (issue 9)", () => {
  it("runs the lake probe once for a burst of checks, and again once the cache has expired", async () => {
    let runs = 0;
    const h = await serveHealth(
      async () => {
        runs += 1;
        await new Promise((r) => setTimeout(r, 20));
      },
      { probeCacheMs: 300 },
    );
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => fetch(`${h.base}/readyz`).then((r) => r.status)),
    );
    for (let i = 0; i < 10; i++) assert.equal((await fetch(`${h.base}/readyz`)).status, 200);
    assert.deepEqual(statuses, Array(10).fill(200));
    assert.equal(runs, 1);
    await new Promise((r) => setTimeout(r, 350));
    await fetch(`${h.base}/readyz`);
    assert.equal(runs, 2);
    await h.close();
  });

  it("answers 429 past the per-address budget", async () => {
    const h = await serveHealth(async () => {}, { perMinute: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${h.base}/readyz`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    await h.close();
  });

  it("says 'lake unreachable' without the error's details, which go to the log", async () => {
    const h = await serveHealth(async () => {
      throw Object.assign(new Error("Cannot write s3://private-bucket/prefix (AccessDenied)"), { name: "LakeError" });
    });
    const res = await fetch(`${h.base}/readyz`);
    assert.equal(res.status, 503);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text).checks.lake, "lake unreachable");
    assert.doesNotMatch(text, /private-bucket/);
    assert.match(h.logs.join("\n"), /private-bucket/);
    await h.close();
  });

  describe("a real server whose file lake cannot be written", () => {
    let srv: Running;
    before(async () => {
      // A lake folder under a regular file: every write fails (ENOTDIR).
      const file = join(await mkdtemp(join(tmpdir(), "readiness-")), "not-a-folder");
      await writeFile(file, "");
      srv = await startServer({ ESTAT_APP_ID: "readiness-app-id-0000", DATA_LAKE: `file://${file}/estat-lake-nowhere` });
    });
    after(() => srv.close());

    it("does not name the lake's location to an unauthenticated caller", async () => {
      const res = await fetch(`${srv.base}/readyz`);
      assert.equal(res.status, 503);
      const text = await res.text();
      assert.equal(JSON.parse(text).checks.lake, "lake unreachable");
      assert.doesNotMatch(text, /not-a-folder|estat-lake-nowhere/);
    });
  });
});

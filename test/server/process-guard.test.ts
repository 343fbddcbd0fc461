import assert from "node:assert/strict";
import { FakeEstat } from "../helpers/fake-estat.ts";
import { type Spawned, spawnServer, until } from "../helpers/spawn.ts";

describe("unhandled rejections (node server/main.ts)", function () {
  this.timeout(20_000);
  let fake: FakeEstat;
  let srv: Spawned;
  before(async () => {
    fake = await new FakeEstat().listen();
    srv = await spawnServer({ ESTAT_API_URL: fake.url, ESTAT_APP_ID: fake.appId }, [
      "--import",
      "./test/fixtures/preload/stray-rejection.mjs",
    ]);
  });
  after(async () => {
    srv.child.kill("SIGKILL");
    await fake.close();
  });

  it("logs and counts each one, and keeps serving instead of exiting", async () => {
    const logged = () =>
      srv.stdout.map((l) => JSON.parse(l)).filter((l: { event?: string }) => l.event === "unhandled_rejection");
    for (const n of [1, 2]) {
      srv.child.kill("SIGUSR2");
      await until(() => logged().length === n, 5000, `unhandled rejection ${n} logged`);
      assert.equal((await fetch(`${srv.base}/healthz`)).status, 200);
    }
    assert.equal(srv.child.exitCode, null);
    assert.deepEqual(
      logged().map((l: { count: number; level: string; err: { message: string } }) => [l.count, l.level, l.err.message]),
      [
        [1, "error", "a stray rejection the test made"],
        [2, "error", "a stray rejection the test made"],
      ],
    );
  });
});

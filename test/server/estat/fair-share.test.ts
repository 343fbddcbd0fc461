import assert from "node:assert/strict";
import { EstatClient } from "../../../server/estat/client.ts";
import { EstatError } from "../../../server/estat/errors.ts";
import { FakeEstat } from "../../helpers/fake-estat.ts";
import { type Running, startServer } from "../../helpers/server.ts";

const KEY_A = "fair-share-key-a-0123456789";
const KEY_B = "fair-share-key-b-0123456789";

describe("e-Stat slots shared fairly between keys, with bounded queues (issue 9)", function () {
  this.timeout(20_000);
  let fake: FakeEstat;
  before(async () => {
    fake = await new FakeEstat().listen();
  });
  after(() => fake.close());
  beforeEach(() => fake.reset());

  describe("through the server", () => {
    let srv: Running;
    before(async () => {
      srv = await startServer({
        ESTAT_API_URL: fake.url,
        ESTAT_APP_ID: fake.appId,
        MCP_API_KEYS: `${KEY_A},${KEY_B}`,
        ESTAT_MAX_CONCURRENCY: "2",
        RATE_LIMIT_PER_MINUTE: "0",
      });
    });
    after(() => srv.close());

    const execute = (key: string, query: string) =>
      fetch(`${srv.base}/execute`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ tool_name: "search_stats", arguments: { query } }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { success: boolean; error?: string } }));

    it("serves another key's call at the next free slot, not behind one key's burst of 8", async () => {
      fake.on("getStatsList", () => ({ delayMs: 400 }));
      const done: string[] = [];
      const send = (key: string, query: string) =>
        execute(key, query).then((r) => {
          done.push(query);
          return r;
        });
      const burst = Array.from({ length: 8 }, (_, i) => send(KEY_A, `burst ${i}`));
      await new Promise((r) => setTimeout(r, 100));
      const other = send(KEY_B, "other key");
      const results = await Promise.all([...burst, other]);
      assert.ok(results.every((r) => r.status === 200));
      // Two of the burst run at once; the first slot that frees goes to the other key, which finishes
      // with the second pair (one global FIFO queue made it last, 9th).
      assert.ok(done.indexOf("other key") <= 3, done.join(" | "));
    });
  });

  describe("EstatClient", () => {
    const client = (over: Partial<ConstructorParameters<typeof EstatClient>[0]>) => {
      let caller = "a";
      const c = new EstatClient({
        baseUrl: fake.url,
        appId: fake.appId,
        timeoutMs: 5000,
        maxConcurrency: 1,
        retries: 0,
        cacheMaxBytes: 1024 * 1024,
        cacheTtlMs: 60_000,
        callerOf: () => caller,
        ...over,
      });
      const as = (who: string, word: string, signal?: AbortSignal) => {
        caller = who;
        return c.call("getStatsList", { searchWord: word }, { signal });
      };
      return as;
    };

    it("refuses a key's call at once beyond ESTAT_MAX_QUEUE_PER_KEY waiting, with a retry hint", async () => {
      fake.on("getStatsList", () => ({ delayMs: 300 }));
      const as = client({ maxQueuedPerKey: 2, maxQueued: 10 });
      const held = [as("a", "1"), as("a", "2"), as("a", "3")];
      await assert.rejects(as("a", "4"), (err: unknown) => {
        assert.ok(err instanceof EstatError);
        assert.equal(err.kind, "busy");
        assert.match(err.message, /Too many e-Stat calls are already waiting for you \(2\).*retry in 5 s/);
        return true;
      });
      // Another key still gets in line.
      const other = as("b", "5");
      await Promise.all([...held, other]);
      assert.deepEqual(
        fake.callsTo("getStatsList").map((c) => c.params.searchWord),
        ["1", "5", "2", "3"],
        "the other key takes the first free slot",
      );
    });

    it("refuses any call beyond ESTAT_MAX_QUEUE waiting in all", async () => {
      fake.on("getStatsList", () => ({ delayMs: 300 }));
      const as = client({ maxQueuedPerKey: 5, maxQueued: 2 });
      const held = [as("a", "1"), as("a", "2"), as("b", "3")];
      await assert.rejects(as("c", "4"), /This server is busy with other e-Stat calls \(2 waiting\)\. Retry in 5 s\./);
      await Promise.all(held);
    });

    it("drops a waiting call whose caller gives up: e-Stat never sees it", async () => {
      fake.on("getStatsList", () => ({ delayMs: 300 }));
      const as = client({});
      const first = as("a", "1");
      const gone = new AbortController();
      const waiting = as("a", "2", gone.signal);
      setTimeout(() => gone.abort(), 50);
      await assert.rejects(waiting, (err: unknown) => err instanceof EstatError && err.kind === "aborted");
      await first;
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(fake.callsTo("getStatsList").map((c) => c.params.searchWord), ["1"]);
    });
  });
});

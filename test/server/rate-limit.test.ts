import assert from "node:assert/strict";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import { requestContext } from "../../server/context.ts";
import { createRateLimit, type RateLimitOptions } from "../../server/rate-limit.ts";

/** A tiny Koa app: the limiter in front of a handler that answers "ok". */
async function tinyApp(opts: RateLimitOptions, before?: Koa.Middleware) {
  const app = new Koa();
  if (before) app.use(before);
  app.use(createRateLimit(opts));
  app.use((ctx) => {
    ctx.body = { ok: true };
  });
  const server: Server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const byHeader = (ctx: Koa.Context) => ctx.get("x-who");
const get = (base: string, who = "a", path = "/") => fetch(`${base}${path}`, { headers: { "x-who": who } });
const limits = (res: Response) => [
  res.headers.get("ratelimit-limit"),
  res.headers.get("ratelimit-remaining"),
  res.headers.get("ratelimit-reset"),
];

describe("createRateLimit (server/rate-limit.ts)", () => {
  let app: Awaited<ReturnType<typeof tinyApp>>;
  afterEach(() => app.close());

  it("lets perMinute requests through with RateLimit-* headers, then answers 429 with Retry-After", async () => {
    app = await tinyApp({ perMinute: 3, keyOf: byHeader });
    for (const remaining of ["2", "1", "0"]) {
      const res = await get(app.base);
      assert.equal(res.status, 200);
      assert.deepEqual(limits(res), ["3", remaining, "60"]);
      assert.equal(res.headers.get("retry-after"), null);
    }
    const res = await get(app.base);
    assert.equal(res.status, 429);
    assert.deepEqual(limits(res), ["3", "0", "60"]);
    assert.equal(res.headers.get("retry-after"), "60");
    assert.deepEqual(await res.json(), {
      jsonrpc: "2.0",
      error: { code: -32029, message: "Rate limit exceeded: 3 requests per 60 s. Retry after 60 s." },
      id: null,
    });
  });

  it("gives each key its own budget", async () => {
    app = await tinyApp({ perMinute: 1, keyOf: byHeader });
    assert.equal((await get(app.base, "a")).status, 200);
    assert.equal((await get(app.base, "a")).status, 429);
    assert.equal((await get(app.base, "b")).status, 200);
    assert.equal((await get(app.base, "b")).status, 429);
  });

  it("restores the budget when the window has passed", async () => {
    app = await tinyApp({ perMinute: 1, keyOf: byHeader, windowSeconds: 1 });
    assert.equal((await get(app.base)).status, 200);
    const refused = await get(app.base);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), "1");
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await get(app.base)).status, 200);
  });

  it("is off with perMinute 0: no headers, never 429", async () => {
    app = await tinyApp({ perMinute: 0, keyOf: byHeader });
    for (let i = 0; i < 20; i++) {
      const res = await get(app.base);
      assert.equal(res.status, 200);
      assert.deepEqual(limits(res), [null, null, null]);
    }
  });

  it("does not count what skip exempts", async () => {
    app = await tinyApp({ perMinute: 1, keyOf: byHeader, skip: (ctx) => ctx.path === "/healthz" });
    for (let i = 0; i < 5; i++) assert.equal((await get(app.base, "a", "/healthz")).status, 200);
    assert.equal((await get(app.base, "a")).status, 200);
    assert.equal((await get(app.base, "a")).status, 429);
  });

  it("counts by the authenticated key id by default, else by client IP", async () => {
    // Stands in for app.ts's auth middleware: the key id lands in the request context.
    const auth: Koa.Middleware = (ctx, next) =>
      requestContext.run({ id: "t", upstream: 0, upstreamMs: 0, keyId: ctx.get("x-who") || undefined }, next);
    app = await tinyApp({ perMinute: 1 }, auth);
    assert.equal((await get(app.base, "key_aaaaaaaa")).status, 200);
    assert.equal((await get(app.base, "key_aaaaaaaa")).status, 429);
    assert.equal((await get(app.base, "key_bbbbbbbb")).status, 200);
    // No key id: counted by IP (127.0.0.1), a budget of its own.
    assert.equal((await get(app.base, "")).status, 200);
    assert.equal((await get(app.base, "")).status, 429);
  });

  it("defaults to 100 requests per 60 s", async () => {
    app = await tinyApp({ keyOf: byHeader });
    assert.deepEqual(limits(await get(app.base)), ["100", "99", "60"]);
  });
});

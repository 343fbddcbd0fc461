/**
 * Starts the real app on 127.0.0.1:0 with a given environment, capturing every log line, and connects
 * official SDK clients to it in either protocol era; useServer() does both, with a fake e-Stat, for a
 * mocha block.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request, type Server, type ServerResponse } from "node:http";
import { Writable } from "node:stream";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import type { AppHandle } from "../../server/app.ts";
import { parseEnv, secretsOf } from "../../server/config.ts";
import { createDeps } from "../../server/deps.ts";
import { createLogger } from "../../server/logger.ts";
import { serve } from "../../server/serve.ts";
import type { SyntheticTable } from "./estat-table.ts";
import { FakeEstat } from "./fake-estat.ts";

export interface Running {
  base: string;
  server: Server;
  handle: AppHandle;
  logs: string[];
  close(): Promise<void>;
  /** This server's secrets for the suite-wide leak check; tests add the tokens they use. */
  secrets: string[];
}

/** What each server started here exposed: its secrets, log lines and response bodies (see secrets-hook.ts). */
export interface Exposure {
  secrets: string[];
  logs: string[];
  responses: string[];
}
export const exposures: Exposure[] = [];

/** Keeps a copy of every body the server sends, whoever the client (SDK, fetch, node:http, autocannon). */
function recordBodies(res: ServerResponse, into: string[]) {
  const chunks: Buffer[] = [];
  const keep = (chunk: unknown) => {
    if (typeof chunk === "string") chunks.push(Buffer.from(chunk));
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  const { write, end } = res;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    keep(chunk);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof res.write;
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== "function") keep(chunk);
    return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as typeof res.end;
  res.once("close", () => into.push(Buffer.concat(chunks).toString("utf8")));
}

export async function startServer(env: Record<string, string | undefined>): Promise<Running> {
  // Each server gets a lake of its own in a temporary folder unless the test names one.
  const lake = `file://${mkdtempSync(join(tmpdir(), "estat-lake-"))}`;
  const config = parseEnv({ HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "debug", DATA_LAKE: lake, ...env });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split("\n").filter(Boolean));
      cb();
    },
  });
  const logger = createLogger({
    level: config.logLevel,
    secrets: [config.estat.appId ?? "", ...config.auth.keys],
    destination: sink,
  });
  const deps = createDeps(config, logger);
  const serving = await serve(deps, { host: "127.0.0.1", port: config.port });
  const { server, handle, base } = serving;
  const responses: string[] = [];
  server.prependListener("request", (_req, res) => recordBodies(res, responses));
  // s3rver's secret key equals its access key id (S3RVER/S3RVER), which presigned URLs carry by design.
  const publicId = config.lake.credentials?.accessKeyId;
  const secrets = secretsOf(config).filter((s) => s !== publicId);
  exposures.push({ secrets, logs, responses });
  return {
    base,
    server,
    handle,
    logs,
    secrets,
    close: serving.close,
  };
}

export type Era = "modern" | "legacy";

type Env = Record<string, string | undefined>;

/** What one describe block's server is: each field is what differs between the suites. */
export interface ServerOptions {
  /** The server's environment, over ESTAT_API_URL and ESTAT_APP_ID of the fake; a function is read in `before`. */
  env?: Env | (() => Env);
  /** The fake e-Stat's options, or false for none (the environment then says where e-Stat is, if anywhere). */
  estat?: ConstructorParameters<typeof FakeEstat>[0] | false;
  /** Generated tables the fake serves page by page. */
  synthetic?: SyntheticTable[];
  /** A file lake in a new temporary folder named with this prefix (DATA_LAKE), removed afterwards. */
  lakeDir?: string;
  /** An SDK client connected once the server listens. */
  client?: { era: Era; headers?: Record<string, string> };
  /** A fresh fake and server for every test (beforeEach/afterEach) instead of one for the block. */
  perTest?: boolean;
}

/** The running parts of a useServer block, readable once its `before` has run. */
export interface UsedServer {
  readonly fake: FakeEstat;
  readonly srv: Running;
  readonly client: Client;
  readonly dir: string;
}

/**
 * For a mocha block: `before` starts a fake e-Stat, then the real server pointed at it (and the client
 * and lake folder the options ask for); `after` closes them in reverse order, whatever got started.
 * With perTest, beforeEach and afterEach do the same around every test.
 */
export function useServer(opts: ServerOptions = {}): UsedServer {
  let fake: FakeEstat | undefined;
  let srv: Running | undefined;
  let client: Client | undefined;
  let dir: string | undefined;
  (opts.perTest ? beforeEach : before)(async () => {
    if (opts.lakeDir !== undefined) dir = mkdtempSync(join(tmpdir(), opts.lakeDir));
    if (opts.estat !== false) {
      fake = await new FakeEstat(opts.estat).listen();
      for (const t of opts.synthetic ?? []) fake.addSynthetic(t);
    }
    srv = await startServer({
      ...(fake ? { ESTAT_API_URL: fake.url, ESTAT_APP_ID: fake.appId } : {}),
      ...(dir ? { DATA_LAKE: `file://${dir}` } : {}),
      ...(typeof opts.env === "function" ? opts.env() : opts.env),
    });
    if (opts.client) client = await connect(srv.base, opts.client.era, opts.client.headers);
  });
  (opts.perTest ? afterEach : after)(async () => {
    await client?.close();
    await srv?.close();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    [fake, srv, client, dir] = [undefined, undefined, undefined, undefined];
  });
  const started = <T>(part: T | undefined, name: string): T => {
    if (part === undefined) throw new Error(`useServer: no ${name} (not asked for in its options, or read outside the tests of its block)`);
    return part;
  };
  return {
    get fake() {
      return started(fake, "fake e-Stat");
    },
    get srv() {
      return started(srv, "server");
    },
    get client() {
      return started(client, "client");
    },
    get dir() {
      return started(dir, "lake folder");
    },
  };
}

export async function connect(base: string, era: Era, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client(
    { name: "estat-mcp-test", version: "1.0.0" },
    era === "modern" ? { versionNegotiation: { mode: "auto" } } : {},
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers } }),
  );
  return client;
}

/** The text of a tool result. */
export function text(r: { content?: unknown }): string {
  return ((r.content as { type: string; text?: string }[]) ?? []).map((c) => c.text ?? "").join("\n");
}

/** A request through node:http, which (unlike fetch) lets a test set any Host header. */
export function rawRequest(
  base: string,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const url = new URL(opts.path ?? "/mcp", base);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? "POST", headers: opts.headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => {
        text += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** POST a JSON-RPC body by hand, for what an SDK client would never send. */
export async function rpc(base: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

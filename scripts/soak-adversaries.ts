/**
 * The adversarial mix of `npm run soak` (issue 9), run beside the well-behaved load: each adversary is
 * a loop bounded in count and in time, on 127.0.0.1 only, with keys of its own. Each returns counts of
 * what happened to it; none of its answers counts against the well-behaved clients.
 *
 * Each adversary connects from a loopback address of its own (127.0.0.2, 127.0.0.3…; the destination is
 * always 127.0.0.1), as real clients come from addresses of their own: the server's per-address limits
 * (MAX_CONNECTIONS_PER_IP, the failed-authentication throttle) then meet them as they would in service,
 * instead of counting the well-behaved load (from 127.0.0.1) and every adversary as one client.
 */
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { Agent, fetch as undiciFetch } from "undici";

const agents = new Map<string, Agent>();
/** fetch from one loopback source address. */
function fetchFrom(from: string | undefined, url: string, init: Parameters<typeof undiciFetch>[1]) {
  if (!from) return undiciFetch(url, init);
  let agent = agents.get(from);
  if (!agent) {
    agent = new Agent({ connect: { localAddress: from } });
    agents.set(from, agent);
  }
  return undiciFetch(url, { ...init, dispatcher: agent });
}

export interface Target {
  base: string;
  port: number;
  /** Keys the adversaries use (never the well-behaved ones). */
  keys: string[];
  /** A multi-page table on the fake e-Stat (save_dataset takes seconds). */
  bigTable: string;
  /** A 200,000-row dataset already in the lake. */
  bigDataset: string;
  /** When the adversaries stop. */
  until: number;
  /** The loopback source address of this adversary's connections (default: the system's choice). */
  from?: string;
}

export type Tally = Map<string, number>;
const add = (t: Tally, k: string) => t.set(k, (t.get(k) ?? 0) + 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAX_ITERATIONS = 10_000;

async function execute(t: Target, key: string, tool: string, args: unknown, signal?: AbortSignal) {
  const res = await fetchFrom(t.from, `${t.base}/execute`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ tool_name: tool, arguments: args }),
    signal,
  });
  return { status: res.status, body: await res.text() };
}

/** save_dataset with refresh, aborted by the client after a random 20-1500 ms (mid-page, mostly). */
export async function abortedSaves(t: Target, key: string): Promise<Tally> {
  const out: Tally = new Map();
  for (let i = 0; i < MAX_ITERATIONS && Date.now() < t.until; i++) {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 20 + Math.random() * 1480);
    try {
      const r = await execute(t, key, "save_dataset", { statsDataId: t.bigTable, refresh: true }, ac.signal);
      add(out, `finished ${r.status}`);
    } catch {
      add(out, "aborted");
    } finally {
      clearTimeout(timer);
    }
  }
  return out;
}

/** query_dataset group-bys that would make 200,000 groups, and full scans ordered by value. */
export async function bigGroupBys(t: Target, key: string): Promise<Tally> {
  const out: Tally = new Map();
  const queries = [
    { groupBy: ["area", "time", "cat01"], aggregate: { sum: "value", count: "*" }, limit: 1000 },
    { columns: ["area", "areaName", "time", "timeName", "value", "raw"], orderBy: [{ column: "value", desc: true }], limit: 1000 },
  ];
  for (let i = 0; i < MAX_ITERATIONS && Date.now() < t.until; i++) {
    try {
      const r = await execute(t, key, "query_dataset", { datasetId: t.bigDataset, ...queries[i % 2] });
      add(out, r.status === 200 ? "200" : `${r.status} ${(/"error":"([^"]{0,40})/.exec(r.body)?.[1] ?? "").trim()}…`);
      // A refused call comes back at once; its caller waits a little before the next, as clients do.
      if (r.status !== 200) await sleep(100);
    } catch {
      add(out, "connection error");
    }
  }
  return out;
}

/** JSON-RPC batches of 20 tools/call in the 2025-03-26 revision (the one that allowed batching). */
export async function batches(t: Target, key: string): Promise<Tally> {
  const out: Tally = new Map();
  const batch = JSON.stringify(
    Array.from({ length: 20 }, (_, i) => ({
      jsonrpc: "2.0",
      id: i + 1,
      method: "tools/call",
      params: { name: "get_table_url", arguments: { statsDataId: String(3445078 + i).padStart(10, "0") } },
    })),
  );
  for (let i = 0; i < MAX_ITERATIONS && Date.now() < t.until; i++) {
    try {
      const res = await fetchFrom(t.from, `${t.base}/mcp`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-03-26",
        },
        body: batch,
      });
      await res.arrayBuffer();
      add(out, String(res.status));
    } catch {
      add(out, "connection error");
    }
    await sleep(50);
  }
  return out;
}

/** Opens a raw connection; resolves once connected. */
async function raw(t: Target): Promise<Socket> {
  const s = connect({ host: "127.0.0.1", port: t.port, ...(t.from ? { localAddress: t.from } : {}) });
  s.on("error", () => {});
  await once(s, "connect");
  return s;
}

/**
 * `clients` loops, each opening up to 100 raw connections one after another while the soak lasts and
 * handing each to `use`, then destroying it; a failed connect is counted and retried 500 ms later.
 */
async function rawClients(t: Target, out: Tally, clients: number, use: (s: Socket) => Promise<void>) {
  const one = async () => {
    for (let i = 0; i < 100 && Date.now() < t.until; i++) {
      const s = await raw(t).catch(() => undefined);
      if (!s) {
        add(out, "connect failed");
        await sleep(500);
        continue;
      }
      await use(s);
      s.destroy();
    }
  };
  await Promise.all(Array.from({ length: clients }, one));
}

/**
 * `clients` connections asking for 10,000-row answers (three pipelined) and reading nothing for 15 s;
 * then each reads to learn whether the server closed it (an answer not yet written pins nothing and
 * is not dropped), and reconnects.
 */
export async function slowReaders(t: Target, key: string, clients: number): Promise<Tally> {
  const out: Tally = new Map();
  const body = JSON.stringify({ tool_name: "get_stats_data", arguments: { statsDataId: t.bigDataset.split("/")[0], limit: 10_000 } });
  const request =
    `POST /execute HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  await rawClients(t, out, clients, async (s) => {
    s.pause();
    s.write(request.repeat(3));
    add(out, "opened");
    // Read nothing for 15 s (or until the end), then read to see whether the server has closed it.
    await sleep(Math.min(15_000, Math.max(0, t.until - Date.now())));
    s.resume();
    const closed =
      s.closed ||
      (await Promise.race([once(s, "close").then(() => true), sleep(3000).then(() => false)]));
    add(out, closed ? "closed by the server" : "still open after 15 s unread");
  });
  return out;
}

/** `clients` connections sending a request's headers one byte per second. */
export async function dribblers(t: Target, clients: number): Promise<Tally> {
  const out: Tally = new Map();
  const text = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Padding: " + "x".repeat(4000);
  await rawClients(t, out, clients, async (s) => {
    s.resume();
    add(out, "opened");
    let closed = false;
    s.once("close", () => {
      closed = true;
    });
    for (let b = 0; b < text.length && !closed && Date.now() < t.until; b++) {
      s.write(text[b]);
      await sleep(1000);
    }
    add(out, closed ? "closed by the server" : "still open at the end");
  });
  return out;
}

export const show = (t: Tally) => `{${[...t].map(([k, n]) => `${k}: ${n}`).join(", ")}}`;

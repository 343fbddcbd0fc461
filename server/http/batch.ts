/**
 * JSON-RPC batches on /mcp. Batching exists only in MCP revision 2025-03-26 (removed in 2025-06-18; the
 * 2026 era has none), and a request without MCP-Protocol-Version is taken to be 2025-03-26, as the spec
 * says. Where a batch is allowed, every call in it is one request for the rate limit and the log, and
 * every request needs its own id: with a duplicate, one answer would stand for two calls and the other
 * would run on with nothing to answer or cancel it.
 */
import { HttpError, rpcError } from "./errors.ts";

const BATCH_REVISION = "2025-03-26";

export interface BatchSummary {
  /** Messages in the batch that expect an answer (requests, not notifications). */
  requests: number;
  /** The tools the batch calls, in order. */
  tools: string[];
}

export function checkBatch(batch: unknown[], protocolVersion: string | undefined): BatchSummary {
  const revision = protocolVersion || BATCH_REVISION;
  if (revision !== BATCH_REVISION) {
    throw new HttpError(
      400,
      "batch refused",
      rpcError(
        -32600,
        `Invalid Request: JSON-RPC batches are not part of MCP revision ${revision.slice(0, 32)} (they were removed in 2025-06-18). Send one JSON-RPC message per POST.`,
      ),
    );
  }
  const ids = new Set<string>();
  const tools: string[] = [];
  let requests = 0;
  for (const element of batch) {
    const msg = element as { id?: unknown; method?: unknown; params?: { name?: unknown } } | null;
    if (!msg || typeof msg !== "object" || typeof msg.method !== "string" || msg.id === undefined) continue;
    requests += 1;
    const id = `${typeof msg.id}:${String(msg.id)}`;
    if (ids.has(id)) {
      throw new HttpError(
        400,
        "duplicate id",
        rpcError(
          -32600,
          `Invalid Request: the id ${JSON.stringify(msg.id).slice(0, 64)} appears more than once in the batch; give every request its own id.`,
        ),
      );
    }
    ids.add(id);
    if (msg.method === "tools/call" && typeof msg.params?.name === "string") tools.push(msg.params.name.slice(0, 64));
  }
  return { requests, tools };
}

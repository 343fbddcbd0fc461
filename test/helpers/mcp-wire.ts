/**
 * Hand-built 2026-07-28 requests, for what the SDK client does not let a test or a benchmark control
 * (raw SSE frames, timing, load): the per-request `_meta` envelope and the headers the revision requires.
 */
import { once } from "node:events";
import { createServer } from "node:net";

export const MODERN = "2026-07-28";

export function modernMeta(client = "estat-mcp-test") {
  return {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientInfo": { name: client, version: "1" },
    "io.modelcontextprotocol/clientCapabilities": {},
  };
}

/** Headers and body of one request (`name` is the tool of a tools/call: it goes in Mcp-Name). */
export function modernRequest(
  method: string,
  params: Record<string, unknown> = {},
  opts: { id?: number; name?: string; meta?: Record<string, unknown>; headers?: Record<string, string>; client?: string } = {},
): { method: "POST"; headers: Record<string, string>; body: string } {
  return {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": MODERN,
      "mcp-method": method,
      ...(opts.name ? { "mcp-name": opts.name } : {}),
      ...opts.headers,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: opts.id ?? 1,
      method,
      params: { ...params, _meta: { ...modernMeta(opts.client), ...opts.meta } },
    }),
  };
}

/** A tools/call request. */
export function modernToolCall(
  name: string,
  args: Record<string, unknown>,
  opts: { id?: number; meta?: Record<string, unknown>; headers?: Record<string, string>; client?: string } = {},
) {
  return modernRequest("tools/call", { name, arguments: args }, { ...opts, name });
}

/** A port free on 127.0.0.1 right now, for a child process to listen on. */
export async function freePort(): Promise<number> {
  const s = createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as { port: number }).port;
  s.close();
  return port;
}

/** Read an SSE answer frame by frame, with the time each frame arrived. */
export async function readSse(res: Response): Promise<{ at: number; frame: string }[]> {
  const frames: { at: number; frame: string }[] = [];
  const started = performance.now();
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
      frames.push({ at: performance.now() - started, frame: buf.slice(0, i) });
      buf = buf.slice(i + 2);
    }
  }
  return frames;
}

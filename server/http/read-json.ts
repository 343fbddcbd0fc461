/** Read a JSON body within the size limit; bad JSON is a 400 (a JSON-RPC parse error on /mcp). */
import type Koa from "koa";
import getRawBody from "raw-body";
import { HttpError, isAnswer, rpcError } from "./errors.ts";

const MAX_JSON_DEPTH = 32;

export async function readJson(ctx: Koa.Context, limit: number, rpc = false): Promise<unknown> {
  let text: string;
  try {
    // With the declared length, a body announced over the limit is refused before a byte of it is read.
    // Bytes, decoded here: with an `encoding` raw-body decodes through iconv-lite, a measurable part of
    // every request; Node's own UTF-8 decoder gives the same text (invalid bytes become U+FFFD).
    text = (await getRawBody(ctx.req, { limit, length: ctx.req.headers["content-length"] })).toString("utf8");
  } catch (err) {
    const e = err as { type?: string; status?: number };
    if (e.type === "entity.too.large") {
      const message = `Request body too large: the limit is ${limit} bytes.`;
      throw new HttpError(413, message, rpc ? rpcError(-32000, message) : { success: false, error: message });
    }
    throw new HttpError(400, "unreadable body", rpc ? rpcError(-32700, "Parse error: unreadable body") : undefined);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (depth(value) > MAX_JSON_DEPTH) {
      const message = `JSON nested deeper than ${MAX_JSON_DEPTH} levels.`;
      throw new HttpError(
        400,
        message,
        rpc ? rpcError(-32600, `Invalid Request: ${message}`) : { success: false, error: message },
      );
    }
    return value;
  } catch (err) {
    if (isAnswer(err)) throw err;
    const message = "Parse error: the body is not valid JSON.";
    throw new HttpError(400, message, rpc ? rpcError(-32700, message) : { success: false, error: message });
  }
}

function depth(value: unknown, level = 0): number {
  if (level > MAX_JSON_DEPTH) return level;
  if (value === null || typeof value !== "object") return level;
  let max = level + 1;
  for (const v of Object.values(value)) max = Math.max(max, depth(v, level + 1));
  return max;
}

/**
 * bench:lambda's second floor: the parts the server is built from (Koa, pino, the MCP SDK's handler with
 * our tool definitions and pooled servers, and on Lambda the serverless adapter), wired with nothing of
 * ours between them: no environment, auth, rate limit, host checks, headers or error model, one log line
 * per request. What the shipped bundle costs above it is our own code; what it costs above the bare
 * handler, no server built from these parts can avoid.
 */
import Koa from "koa";
import { pino } from "pino";
import { floorMcp } from "./floor-mcp.ts";

export function partsApp(): Koa {
  const logger = pino({ level: process.env.LOG_LEVEL ?? "info" }, pino.destination({ dest: 1, sync: false }));
  const mcp = floorMcp();
  const app = new Koa();
  app.use(async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const request = new Request(`http://${ctx.host}${ctx.url}`, { method: ctx.method, headers: ctx.req.headers as Record<string, string>, body: text });
    const response = await mcp.auto.fetch(request, { parsedBody: JSON.parse(text) });
    ctx.status = response.status;
    response.headers.forEach((value, name) => ctx.set(name, value));
    ctx.body = Buffer.from(await response.arrayBuffer());
    logger.info({ method: ctx.method, path: ctx.path, status: ctx.status }, "request");
  });
  return app;
}

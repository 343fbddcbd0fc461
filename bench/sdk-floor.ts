/**
 * For the benchmark's context: the MCP SDK's handler alone on node:http, with none of the app around it
 * (no Koa, auth, rate limit, logs): ours (pooled servers, cached schemas), or with argv[3] = "naive" a new
 * server per request as the SDK's stateless examples do. What /mcp costs above "ours" is the app's.
 */
import { createServer } from "node:http";
import { toNodeHandler } from "@modelcontextprotocol/node";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { FLOOR_TOOLS as tools, floorMcp } from "./floor-mcp.ts";

const naive = process.argv[3] === "naive";
// "naive": the SDK's stateless idiom as documented: a new server, new tool registrations and a fresh
// schema conversion for every request (what /mcp did before the changes in the README's design notes).
const naiveHandler = createMcpHandler(() => {
  const server = new McpServer({ name: "naive", version: "1" });
  for (const t of tools) {
    server.registerTool(
      t.name,
      { description: t.description, inputSchema: t.inputSchema, outputSchema: t.outputSchema },
      async (args: Record<string, unknown>) => {
        const out = await t.run(args, { signal: new AbortController().signal });
        return { content: [{ type: "text" as const, text: out.text }], structuredContent: out.structured };
      },
    );
  }
  return server;
});
const node = toNodeHandler(naive ? naiveHandler : floorMcp().auto);
// A port as argv[2] (bench/mcp.ts) or PORT (bench/lambda.ts, which starts it as the server is started).
const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => void node(req, res, JSON.parse(Buffer.concat(chunks).toString("utf8"))));
}).listen(port, "127.0.0.1");

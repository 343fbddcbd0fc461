/**
 * The baseline: a bare node:http JSON-RPC responder. It answers every POST with a fixed result, read
 * from the JSON file named in argv[3] (the same bytes /mcp sends, so both move the same payload), or {}.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? 0);
const result = process.argv[3] ? readFileSync(process.argv[3], "utf8") : "{}";
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const msg = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const body = `{"jsonrpc":"2.0","id":${JSON.stringify(msg.id)},"result":${result}}`;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(body);
  });
});
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === "object" && address ? address.port : port}\n`);
});

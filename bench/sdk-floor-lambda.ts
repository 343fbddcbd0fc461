/**
 * bench:lambda's floor: the MCP SDK's handler alone as a Lambda streaming handler. The same tool
 * definitions and pooled servers as /mcp (server/mcp.ts), none of the app: no Koa, no adapter, no auth,
 * logs or environment. bench/lambda.ts bundles it as the server is bundled; what dist/server/lambda.mjs
 * costs above it at a cold start is the app's.
 */
import { floorMcp } from "./floor-mcp.ts";

interface RestEvent {
  httpMethod: string;
  path: string;
  headers: Record<string, string>;
  body: string | null;
  isBase64Encoded: boolean;
}
interface ResponseStream {
  end(chunk: Uint8Array): void;
}
declare const awslambda: {
  streamifyResponse(fn: (event: RestEvent, stream: ResponseStream) => Promise<void>): unknown;
  HttpResponseStream: { from(stream: ResponseStream, prelude: { statusCode: number; headers: Record<string, string> }): ResponseStream };
};

const mcp = floorMcp();

export const handler = awslambda.streamifyResponse(async (event, stream) => {
  const text = event.body === null ? "" : Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8").toString("utf8");
  const request = new Request(`https://${event.headers.Host ?? event.headers.host ?? "localhost"}${event.path}`, {
    method: event.httpMethod,
    headers: event.headers,
    body: text,
  });
  const response = await mcp.auto.fetch(request, { parsedBody: JSON.parse(text) });
  const out = awslambda.HttpResponseStream.from(stream, { statusCode: response.status, headers: Object.fromEntries(response.headers) });
  out.end(new Uint8Array(await response.arrayBuffer()));
});

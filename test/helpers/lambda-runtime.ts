/**
 * A small stand-in for the Lambda Node.js runtime's response streaming, and a fetch that goes through a
 * streaming handler as API Gateway REST (v1 events) or a Function URL (v2 events) would call it.
 *
 * What it reproduces of the runtime (aws-lambda-nodejs-runtime-interface-client): `awslambda` is a
 * global; `streamifyResponse(fn)` marks fn with Symbol.for("aws.lambda.runtime.handler.streaming") =
 * "response" (an unmarked handler would be called with a callback, which nodejs24.x refuses);
 * `HttpResponseStream.from(stream, prelude)` sets the content type
 * application/vnd.awslambda.http-integration-response and, before the first write, writes the JSON
 * prelude and 8 NUL bytes. The service then reads the prelude for status, headers and cookies, and
 * streams every following byte to the client as it comes.
 */
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";

const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const PRELUDE_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";

type StreamingHandler = (event: unknown, stream: ResponseStream, context: unknown) => Promise<unknown>;

/** The runtime's response stream: bytes go to `sink` as written (the service forwards them at once). */
class ResponseStream extends Writable {
  contentType = "application/octet-stream";
  onBeforeFirstWrite?: (write: (chunk: Uint8Array | string) => void) => void;
  #first = true;
  readonly #sink: (chunk: Buffer | null) => void;
  constructor(sink: (chunk: Buffer | null) => void) {
    super();
    this.#sink = sink;
  }
  setContentType(type: string) {
    this.contentType = type;
  }
  override write(chunk: unknown, ...rest: unknown[]): boolean {
    this.#beforeFirst();
    return (super.write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }
  override end(...args: unknown[]): this {
    this.#beforeFirst();
    return (super.end as (...a: unknown[]) => this)(...args);
  }
  #beforeFirst() {
    if (!this.#first) return;
    this.#first = false;
    this.onBeforeFirstWrite?.((c) => super.write(c));
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    if (chunk.length > 0) this.#sink(Buffer.from(chunk));
    cb();
  }
  override _final(cb: () => void) {
    this.#sink(null);
    cb();
  }
}

export function installAwslambda() {
  (globalThis as Record<string, unknown>).awslambda = {
    streamifyResponse(fn: StreamingHandler) {
      return Object.assign(fn, { [STREAMING]: "response" });
    },
    HttpResponseStream: {
      from(stream: ResponseStream, prelude: Record<string, unknown>) {
        stream.setContentType(PRELUDE_CONTENT_TYPE);
        stream.onBeforeFirstWrite = (write) => {
          write(JSON.stringify(prelude));
          write(new Uint8Array(8));
        };
        return stream;
      },
    },
  };
}

export function isStreamingHandler(fn: unknown): boolean {
  return typeof fn === "function" && (fn as unknown as Record<symbol, unknown>)[STREAMING] === "response";
}

export type Entry = "apiGateway" | "functionUrl";

const TEXTUAL = /^(application\/(json|x-www-form-urlencoded)|text\/)/i;

/** The event API Gateway REST (proxy integration, v1) or a Function URL (v2) sends for a request. */
export function toEvent(entry: Entry, req: { method: string; url: URL; headers: Headers; body: Buffer }) {
  const binary = req.body.length > 0 && !TEXTUAL.test(req.headers.get("content-type") ?? "");
  const body = req.body.length === 0 ? null : binary ? req.body.toString("base64") : req.body.toString("utf8");
  const query = Object.fromEntries(req.url.searchParams);
  const requestId = randomUUID();
  const sourceIp = "203.0.113.7";
  if (entry === "apiGateway") {
    const multi: Record<string, string[]> = {};
    req.headers.forEach((v, k) => {
      multi[k] = [v];
    });
    const multiQuery: Record<string, string[]> = {};
    for (const [k, v] of req.url.searchParams) (multiQuery[k] ??= []).push(v);
    return {
      resource: "/{proxy+}",
      path: req.url.pathname,
      httpMethod: req.method,
      // API Gateway passes the client's Host (the API's domain), which a fetch Request does not expose.
      headers: { host: req.url.host, ...Object.fromEntries(req.headers) },
      multiValueHeaders: multi,
      queryStringParameters: Object.keys(query).length ? query : null,
      multiValueQueryStringParameters: Object.keys(multiQuery).length ? multiQuery : null,
      pathParameters: { proxy: req.url.pathname.slice(1) },
      stageVariables: null,
      requestContext: {
        accountId: "123456789012",
        apiId: "abcdef1234",
        resourceId: "res123",
        resourcePath: "/{proxy+}",
        httpMethod: req.method,
        path: `/live${req.url.pathname}`,
        stage: "live",
        requestId,
        requestTimeEpoch: Date.now(),
        protocol: "HTTP/1.1",
        domainName: req.url.host,
        identity: { sourceIp, userAgent: req.headers.get("user-agent") ?? "" },
      },
      body,
      isBase64Encoded: binary,
    };
  }
  // Function URLs pass the client's Host (the URL's domain), which a fetch Request does not expose.
  const headers: Record<string, string> = { host: req.url.host };
  req.headers.forEach((v, k) => {
    if (k !== "cookie") headers[k] = v;
  });
  const cookie = req.headers.get("cookie");
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: req.url.pathname,
    rawQueryString: req.url.search.slice(1),
    ...(cookie ? { cookies: cookie.split("; ") } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: "anonymous",
      apiId: "urlid0123456789",
      domainName: req.url.host,
      domainPrefix: req.url.host.split(".")[0],
      http: { method: req.method, path: req.url.pathname, protocol: "HTTP/1.1", sourceIp, userAgent: req.headers.get("user-agent") ?? "" },
      requestId,
      routeKey: "$default",
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body === null ? {} : { body }),
    isBase64Encoded: binary,
  };
}

export interface Invocation {
  /** The raw bytes the handler wrote to the response stream, prelude included. */
  raw: Buffer[];
  contentType: string;
}

/**
 * A fetch that invokes `handler` the way the service would for `entry`, and answers with a Response
 * whose body streams as the handler writes. `invocations` keeps what each call wrote.
 */
export function lambdaFetch(handler: unknown, entry: Entry, opts: { invocations?: Invocation[]; timeoutMs?: number } = {}) {
  if (!isStreamingHandler(handler)) throw new Error("the handler is not wrapped in awslambda.streamifyResponse");
  const invoke = handler as StreamingHandler;
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const body = Buffer.from(await request.arrayBuffer());
    const event = toEvent(entry, { method: request.method, url: new URL(request.url), headers: request.headers, body });
    const raw: Buffer[] = [];
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const bodyStream = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
      cancel: () => {
        stream.destroy();
      },
    });
    let pending = Buffer.alloc(0);
    let prelude: { statusCode?: number; headers?: Record<string, string>; cookies?: string[] } | undefined;
    let resolvePrelude!: (p: typeof prelude) => void;
    const preludeRead = new Promise<typeof prelude>((r) => {
      resolvePrelude = r;
    });
    const stream = new ResponseStream((chunk) => {
      if (chunk === null) {
        if (!prelude) resolvePrelude(undefined);
        else {
          if (pending.length) controller.enqueue(new Uint8Array(pending));
          controller.close();
        }
        return;
      }
      raw.push(chunk);
      if (prelude) {
        controller.enqueue(new Uint8Array(chunk));
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      const end = pending.indexOf(Buffer.alloc(8));
      if (end < 0) return;
      prelude = JSON.parse(pending.subarray(0, end).toString("utf8"));
      const rest = pending.subarray(end + 8);
      pending = Buffer.alloc(0);
      if (rest.length) controller.enqueue(new Uint8Array(rest));
      resolvePrelude(prelude);
    });
    const context = {
      awsRequestId: event.requestContext.requestId,
      functionName: "estat-mcp-test",
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => opts.timeoutMs ?? 90_000,
    };
    const done = invoke(event, stream, context).then(
      () => undefined,
      (err: Error) => err,
    );
    const first = await Promise.race([preludeRead, done.then(() => preludeRead)]);
    const failure = await Promise.race([done, Promise.resolve(undefined)]);
    opts.invocations?.push({ raw, contentType: stream.contentType });
    if (!first || stream.contentType !== PRELUDE_CONTENT_TYPE) {
      // What API Gateway answers when the integration's output is not a streamed HTTP response.
      return new Response(JSON.stringify({ message: `Internal server error${failure ? `: ${failure.message}` : ""}` }), {
        status: 502,
        headers: { "content-type": "application/json" },
      });
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(first.headers ?? {})) headers.set(k, v);
    for (const c of first.cookies ?? []) headers.append("set-cookie", c);
    const status = first.statusCode ?? 200;
    return new Response([204, 304].includes(status) || request.method === "HEAD" ? null : bodyStream, { status, headers });
  };
}

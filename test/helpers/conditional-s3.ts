/**
 * s3rver 3.7 ignores If-Match and If-None-Match on PutObject (it only honours If-None-Match on GET),
 * so on its own it cannot show that the lake's compare-and-swap holds. This proxy sits in front of it
 * and applies the two conditions as AWS S3 documents them (412 PreconditionFailed; If-Match on a
 * missing key: 404 NoSuchKey), one conditional write per key at a time, by asking s3rver for the key's
 * current ETag first, and makes a PUT atomic for readers of the same key (as S3's is; s3rver writes in
 * place, so a concurrent GET could read half an object). Everything else passes through untouched (signatures stay valid: the Host header
 * is forwarded as sent). It stands in for S3's own conditional writes, which no test here can reach.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ConditionalS3 {
  endpoint: string;
  /** PUTs that carried If-Match or If-None-Match, and how many of them were refused. */
  stats: { conditional: number; refused: number };
  close(): Promise<void>;
}

function forward(target: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
        r.on("end", resolve);
      },
    );
    up.on("error", () => {
      res.destroy();
      resolve();
    });
    req.pipe(up);
  });
}

function currentEtag(target: URL, path: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    // s3rver serves unsigned requests, so the proxy can look without credentials.
    const r = request({ host: target.hostname, port: target.port, method: "HEAD", path }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? String(res.headers.etag) : undefined);
    });
    r.on("error", reject);
    r.end();
  });
}

function refuse(res: ServerResponse, status: number, code: string): void {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
}

export async function conditionalS3(s3rverEndpoint: string): Promise<ConditionalS3> {
  const target = new URL(s3rverEndpoint);
  const stats = { conditional: 0, refused: 0 };
  const tails = new Map<string, Promise<void>>();
  const server = createServer((req, res) => {
    const ifMatch = req.headers["if-match"];
    const ifNoneMatch = req.headers["if-none-match"];
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "PUT") {
      // S3's PUT is atomic: a read never sees half an object. s3rver writes in place, so a read waits
      // for a PUT of the same key in flight.
      void (tails.get(path) ?? Promise.resolve()).then(() => forward(target, req, res));
      return;
    }
    if (ifMatch === undefined && ifNoneMatch === undefined) {
      const tail = (tails.get(path) ?? Promise.resolve()).then(() => forward(target, req, res));
      tails.set(path, tail);
      void tail.then(() => {
        if (tails.get(path) === tail) tails.delete(path);
      });
      return;
    }
    stats.conditional++;
    const run = async () => {
      const etag = await currentEtag(target, path);
      if (ifNoneMatch === "*" && etag !== undefined) return refuse(res, 412, "PreconditionFailed");
      if (ifMatch !== undefined && etag === undefined) return refuse(res, 404, "NoSuchKey");
      if (ifMatch !== undefined && ifMatch !== etag) return refuse(res, 412, "PreconditionFailed");
      await forward(target, req, res);
    };
    const tail = (tails.get(path) ?? Promise.resolve()).then(run).catch(() => {
      res.destroy();
    });
    tails.set(path, tail);
    void tail.then(() => {
      if (res.statusCode >= 400) stats.refused++;
      if (tails.get(path) === tail) tails.delete(path);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * serve(deps): build the app, listen, and know how to drain and stop. Shared by main.ts, the tests and
 * every future entry point, so all of them run with the same socket timeouts and the same shutdown.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type AppDeps, type AppHandle, createApp } from "./app.ts";
import { ConfigError } from "./config.ts";
import { capConnectionsPerIp } from "./http/connection-cap.ts";

export interface Serving {
  server: Server;
  handle: AppHandle;
  /** The port actually bound (PORT=0 picks a free one). */
  port: number;
  /** A loopback URL for this server (http://127.0.0.1:PORT), also the download links' default base. */
  base: string;
  /** Drain: /readyz turns 503, no new connections, idle ones closed, the rest forced after the grace period. */
  shutdown(): Promise<void>;
  /** Stop at once, cutting every connection (tests). */
  close(): Promise<void>;
}

export async function serve(
  deps: AppDeps,
  at: { host?: string; port?: number } = {},
): Promise<Serving> {
  const { config, logger } = deps;
  const host = at.host ?? config.host;
  const handle = createApp(deps);
  const server: Server = createServer(
    {
      // Idle keep-alive connections must outlive the load balancer's idle timeout (ALB 120 s in our
      // stacks): if the server closed first, the balancer could send a request down a socket being
      // closed, and the client would get a 502. An idle connection waits on no header timer.
      keepAliveTimeout: config.keepAliveTimeoutMs,
      // Slow clients (slowloris): the headers, and the whole request with its body, must arrive in
      // time, or the answer is a 408 and a closed socket. Answers are not timed: an SSE answer may
      // stream for as long as the tool deadline allows.
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs),
    },
    handle.app.callback(),
  );
  capConnectionsPerIp(server, config.maxConnectionsPerIp, (ip) =>
    logger.warn({ event: "connection_refused", ip, max: config.maxConnectionsPerIp }, "too many connections"),
  );
  server.listen(at.port ?? config.port, host);
  await once(server, "listening").catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "EADDRINUSE" && err.code !== "EACCES") throw err;
    const port = at.port ?? config.port;
    const why = err.code === "EADDRINUSE" ? "is in use" : "needs privileges this user lacks";
    throw new ConfigError(`port ${port} on ${host} ${why}; set PORT to a free port (e.g. PORT=${port + 1} npm start).`);
  });
  const port = (server.address() as AddressInfo).port;
  const local = ["0.0.0.0", "::"].includes(host) ? "127.0.0.1" : host;
  const base = `http://${local.includes(":") ? `[${local}]` : local}:${port}`;
  deps.setPublicBaseUrl(base);

  const shutdown = async () => {
    handle.setDraining();
    const closed = once(server, "close");
    server.close();
    server.closeIdleConnections();
    // A keep-alive socket that goes idle after its last answer would otherwise hold the process until
    // the grace period ends.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    const forced = setTimeout(() => {
      logger.warn({ event: "shutdown_forced" }, "grace period over; closing remaining connections");
      server.closeAllConnections();
    }, config.shutdownGraceMs);
    forced.unref();
    await closed;
    clearTimeout(forced);
    clearInterval(sweep);
    await handle.close();
  };
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await handle.close();
  };
  return { server, handle, port, base, shutdown, close };
}

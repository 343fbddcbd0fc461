/**
 * Every timeout on the request path and on the drain path, per target, in one place, checked as a chain.
 *
 * Request path, client ← CDN ← load balancer ← server: long tool calls answer as SSE and the server writes
 * a `: keepalive` comment every 15 s, so no hop waits more than 15 s for a byte once a call has started;
 * each hop closes idle connections before the hop behind it does, so nobody reuses a socket the other
 * side has just closed. Drain path, tool deadline ← grace ← deregistration ← stop timeout: a task that is
 * being replaced lets the calls it holds finish before it is killed.
 */

/** The server gives up on e-Stat after this long (ESTAT_TIMEOUT_MS). */
export const ESTAT_TIMEOUT_MS = 60_000;
/** The server's tool deadline (TOOL_TIMEOUT_MS): today the server's default, not sent by the stacks. */
export const TOOL_TIMEOUT_MS = 120_000;
/** The server's SSE keepalive interval. */
export const SSE_KEEPALIVE_S = 15;
/**
 * ALB idle timeout: a connection with no bytes for this long is closed. 120 s covers even a call that
 * stays silent until its JSON result (no keepalives) for the full e-Stat timeout, with margin.
 */
export const ALB_IDLE_TIMEOUT_S = 120;
/**
 * The server's HTTP keep-alive timeout must exceed the ALB's idle timeout, so the ALB, never the server,
 * closes idle connections (otherwise the ALB reuses a socket the server just closed: sporadic 502s).
 */
export const SERVER_KEEP_ALIVE_TIMEOUT_MS = ALB_IDLE_TIMEOUT_S * 1000 + 5_000;
/**
 * CloudFront origin read timeout: the longest wait for the first byte and between two bytes. 60 s is
 * CloudFront's maximum without a quota increase and is enough because keepalives arrive every 15 s.
 */
export const CLOUDFRONT_ORIGIN_READ_TIMEOUT_S = 60;
/** CloudFront closes idle origin connections after this long: below the ALB idle timeout. */
export const CLOUDFRONT_ORIGIN_KEEPALIVE_S = 60;
/** The server drains in-flight requests for this long after SIGTERM (SHUTDOWN_GRACE_MS). */
export const SHUTDOWN_GRACE_MS = 25_000;
/** ECS sends SIGKILL this long after SIGTERM: above the server's grace. */
export const ECS_STOP_TIMEOUT_S = 30;
/**
 * Target-group deregistration delay: requests in flight when a task is drained get this long before
 * ECS sends SIGTERM, then the server's grace. 40 + 25 = 65 s ≥ a full e-Stat call, where the default
 * 300 s would make every deployment and scale-in wait five minutes per task.
 */
export const DEREGISTRATION_DELAY_S = 40;

/** Each hop's limits for one target (and shape: with or without a CDN). */
export interface TimeoutChain {
  target: string;
  /** What the server runs with (its env). */
  server: {
    estatTimeoutMs: number;
    toolTimeoutMs: number;
    sseKeepAliveS: number;
    keepAliveTimeoutMs: number;
    shutdownGraceMs: number;
  };
  /** A CDN in front of the load balancer (CloudFront); absent when clients reach the balancer directly. */
  cdn?: { originReadTimeoutS: number; originKeepaliveS: number };
  /** A load balancer in front of the server; absent on platforms whose front end is not ours. */
  loadBalancer?: { idleTimeoutS: number; deregistrationDelayS: number };
  /** SIGTERM → SIGKILL (ECS stopTimeout). */
  stopTimeoutS: number;
}

/** The relations a chain must keep, each with what breaks otherwise. Empty: the chain holds. */
export function chainProblems(c: TimeoutChain): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, what: string) => ok || problems.push(`${c.target}: ${what}`);
  const s = c.server;
  need(s.estatTimeoutMs < s.toolTimeoutMs, "the e-Stat timeout must be below the tool deadline");
  need(
    s.shutdownGraceMs < c.stopTimeoutS * 1000,
    `the server's grace (${s.shutdownGraceMs} ms) must end before SIGKILL (stop timeout ${c.stopTimeoutS} s)`,
  );
  if (c.loadBalancer) {
    const lb = c.loadBalancer;
    need(
      s.keepAliveTimeoutMs > lb.idleTimeoutS * 1000,
      `the server's keep-alive (${s.keepAliveTimeoutMs} ms) must outlast the load balancer's idle timeout (${lb.idleTimeoutS} s), else 502s on reused sockets`,
    );
    need(
      lb.idleTimeoutS * 1000 > s.estatTimeoutMs,
      `the load balancer's idle timeout (${lb.idleTimeoutS} s) must outlast a silent e-Stat call (${s.estatTimeoutMs} ms)`,
    );
    need(
      lb.deregistrationDelayS * 1000 + s.shutdownGraceMs >= s.estatTimeoutMs,
      `deregistration (${lb.deregistrationDelayS} s) + grace (${s.shutdownGraceMs} ms) must drain a full e-Stat call (${s.estatTimeoutMs} ms)`,
    );
  }
  if (c.cdn) {
    need(
      c.cdn.originReadTimeoutS > s.sseKeepAliveS,
      `SSE keepalives (every ${s.sseKeepAliveS} s) must arrive within the CDN's origin read timeout (${c.cdn.originReadTimeoutS} s)`,
    );
    need(
      !c.loadBalancer || c.cdn.originKeepaliveS < c.loadBalancer.idleTimeoutS,
      `the CDN must drop idle origin connections (${c.cdn.originKeepaliveS} s) before the load balancer does (${c.loadBalancer?.idleTimeoutS} s)`,
    );
  }
  return problems;
}

/** The chain, or an error listing every broken relation. */
export function checkedChain(c: TimeoutChain): TimeoutChain {
  const problems = chainProblems(c);
  if (problems.length) throw new Error(`Inconsistent timeouts:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return c;
}

/** aws-fargate: [CloudFront ←] ALB ← ECS task. */
export function awsFargateTimeouts(shape: { cdn: boolean }): TimeoutChain {
  return checkedChain({
    target: "aws-fargate",
    server: {
      estatTimeoutMs: ESTAT_TIMEOUT_MS,
      toolTimeoutMs: TOOL_TIMEOUT_MS,
      sseKeepAliveS: SSE_KEEPALIVE_S,
      keepAliveTimeoutMs: SERVER_KEEP_ALIVE_TIMEOUT_MS,
      shutdownGraceMs: SHUTDOWN_GRACE_MS,
    },
    cdn: shape.cdn
      ? { originReadTimeoutS: CLOUDFRONT_ORIGIN_READ_TIMEOUT_S, originKeepaliveS: CLOUDFRONT_ORIGIN_KEEPALIVE_S }
      : undefined,
    loadBalancer: { idleTimeoutS: ALB_IDLE_TIMEOUT_S, deregistrationDelayS: DEREGISTRATION_DELAY_S },
    stopTimeoutS: ECS_STOP_TIMEOUT_S,
  });
}

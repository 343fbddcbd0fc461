import { CLIENT_TOOL_TIMEOUT_S } from "./client-configs.ts";

/**
 * Every timeout on the request path and on the drain path, per target, in one place, checked as a chain.
 *
 * Request path, client ← CDN ← load balancer ← server: long tool calls answer as SSE and the server writes
 * a `: keepalive` comment every 15 s, so no hop waits more than 15 s for a byte once a call has started;
 * each hop closes idle connections before the hop behind it does, so nobody reuses a socket the other
 * side has just closed; the clients we write configurations for wait longer than any call. Drain path, tool deadline ← grace ← deregistration ← stop timeout: a task that is
 * being replaced lets the calls it holds finish before it is killed.
 */

/** The server gives up on e-Stat after this long (ESTAT_TIMEOUT_MS). */
export const ESTAT_TIMEOUT_MS = 60_000;
/**
 * The server's tool deadline (TOOL_TIMEOUT_MS): the longest a call may run. Below the server's default
 * (120 s) so that the whole call fits in a drain: a Fargate task gets at most 120 s between SIGTERM and
 * SIGKILL (ECS's maximum stopTimeout, and Spot's two minutes' notice).
 */
export const TOOL_TIMEOUT_MS = 100_000;
/** The server's SSE keepalive interval. */
export const SSE_KEEPALIVE_S = 15;
/** What each drain step keeps in hand beyond the step before it: the answer's last bytes, the exit. */
export const DRAIN_MARGIN_MS = 5_000;
/**
 * ALB idle timeout: a connection with no bytes for this long is closed. 120 s covers even a call that
 * stays silent until its JSON result (no keepalives) for the whole tool deadline, with margin.
 */
export const ALB_IDLE_TIMEOUT_S = 120;
/**
 * The server's HTTP keep-alive timeout must exceed the ALB's idle timeout, so the ALB, never the server,
 * closes idle connections (otherwise the ALB reuses a socket the server just closed: sporadic 502s).
 */
export const SERVER_KEEP_ALIVE_TIMEOUT_MS = ALB_IDLE_TIMEOUT_S * 1000 + 5_000;
/**
 * CloudFront origin read timeout: the longest wait for the first byte and between two bytes. 60 s is
 * CloudFront's maximum without a quota increase and is enough for /mcp because keepalives arrive every
 * 15 s; /execute answers in one plain JSON body, so its own deadline sits below it.
 */
export const CLOUDFRONT_ORIGIN_READ_TIMEOUT_S = 60;
/** CloudFront closes idle origin connections after this long: below the ALB idle timeout. */
export const CLOUDFRONT_ORIGIN_KEEPALIVE_S = 60;
/**
 * The server drains in-flight calls for this long after SIGTERM (SHUTDOWN_GRACE_MS): a whole tool call
 * and its answer, because SIGTERM can arrive while calls run (Fargate Spot sends it with the two minutes'
 * notice, at the same time as the target is deregistered).
 */
export const SHUTDOWN_GRACE_MS = TOOL_TIMEOUT_MS + 2 * DRAIN_MARGIN_MS;
/** ECS sends SIGKILL this long after SIGTERM: above the server's grace; 120 s is Fargate's maximum. */
export const ECS_STOP_TIMEOUT_S = 120;
/** The longest stopTimeout ECS accepts for a Fargate container. */
export const FARGATE_MAX_STOP_TIMEOUT_S = 120;
/**
 * Target-group deregistration delay: calls in flight when a task is drained (deployments, scale-in) keep
 * their connection for this long, which must cover a whole call; the default 300 s would make every
 * deployment wait five minutes per task.
 */
export const DEREGISTRATION_DELAY_S = (TOOL_TIMEOUT_MS + DRAIN_MARGIN_MS) / 1000;

/** Each hop's limits for one target (and shape: with or without a CDN). */
export interface TimeoutChain {
  target: string;
  /** How long the clients we configure (stacks/shared/client-configs.ts) wait for a tool call. */
  clientTimeoutS: number;
  /** What the server runs with (its env). */
  server: {
    estatTimeoutMs: number;
    toolTimeoutMs: number;
    /** POST /execute's own deadline: one silent JSON answer must beat every hop's read timeout. */
    executeTimeoutMs: number;
    sseKeepAliveS: number;
    keepAliveTimeoutMs: number;
    shutdownGraceMs: number;
  };
  /** A CDN in front of the load balancer (CloudFront); absent when clients reach the balancer directly. */
  cdn?: { originReadTimeoutS: number; originKeepaliveS: number };
  /** A load balancer in front of the server; absent on platforms whose front end is not ours. */
  loadBalancer?: {
    /** Idle keep-alive connections are closed after this long. */
    idleTimeoutS: number;
    /**
     * The longest wait for a byte of an answer in progress, where it differs from the idle timeout
     * (nginx: proxy_read_timeout vs upstream keepalive_timeout); an ALB has one timeout for both.
     */
    readTimeoutS?: number;
    deregistrationDelayS: number;
  };
  /** SIGTERM → SIGKILL (ECS stopTimeout). */
  stopTimeoutS: number;
  /** The platform's ceiling on stopTimeoutS (Fargate: 120 s). */
  maxStopTimeoutS?: number;
  /** A Lambda function and, with API Gateway in front, its streaming integration. */
  lambda?: { functionTimeoutS: number; integrationTimeoutMs?: number; streamIdleTimeoutS?: number };
  /**
   * The platform drains an instance itself before SIGTERM (Cloud Run): it stops routing to it and lets
   * the requests it holds run up to the request timeout, so SIGTERM finds it idle and the grace only has
   * to cover the exit. The request timeout must then outlast a whole call instead.
   */
  platformDrain?: { requestTimeoutS: number };
  /**
   * The platform kills sooner than a whole call (Heroku: SIGKILL 30 s after SIGTERM, fixed): calls still
   * running when the grace ends are cut. Said here, instead of a tool deadline short enough to fit.
   */
  drainCutsLongCalls?: boolean;
}

/**
 * The server's part of a chain: the shared e-Stat timeout, tool deadline and SSE keepalive, and the
 * target's keep-alive and grace. /execute gets the whole tool deadline unless a hop in front cuts a silent
 * answer sooner (`executeTimeoutMs`).
 */
export function serverTimeouts(s: {
  keepAliveTimeoutMs: number;
  shutdownGraceMs: number;
  toolTimeoutMs?: number;
  executeTimeoutMs?: number;
}): TimeoutChain["server"] {
  const toolTimeoutMs = s.toolTimeoutMs ?? TOOL_TIMEOUT_MS;
  return {
    estatTimeoutMs: ESTAT_TIMEOUT_MS,
    toolTimeoutMs,
    executeTimeoutMs: s.executeTimeoutMs ?? toolTimeoutMs,
    sseKeepAliveS: SSE_KEEPALIVE_S,
    keepAliveTimeoutMs: s.keepAliveTimeoutMs,
    shutdownGraceMs: s.shutdownGraceMs,
  };
}

/** The relations a chain must keep, each with what breaks otherwise. Empty: the chain holds. */
export function chainProblems(c: TimeoutChain): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, what: string) => ok || problems.push(`${c.target}: ${what}`);
  const s = c.server;
  const m = DRAIN_MARGIN_MS;
  need(s.estatTimeoutMs < s.toolTimeoutMs, "the e-Stat timeout must be below the tool deadline");
  need(
    c.clientTimeoutS * 1000 > s.toolTimeoutMs,
    `the clients' timeout (${c.clientTimeoutS} s) must outlast the tool deadline (${s.toolTimeoutMs} ms), else they give up on calls the server still runs`,
  );
  need(
    s.executeTimeoutMs <= s.toolTimeoutMs,
    `the /execute deadline (${s.executeTimeoutMs} ms) must not exceed the tool deadline (${s.toolTimeoutMs} ms)`,
  );
  // Drain: tool deadline ← grace ← stop timeout (SIGTERM may come while calls run), or tool deadline ←
  // the platform's request timeout where the platform drains before SIGTERM.
  if (c.platformDrain) {
    need(
      c.platformDrain.requestTimeoutS * 1000 >= s.toolTimeoutMs + m,
      `the platform's request timeout (${c.platformDrain.requestTimeoutS} s) must let a whole call finish (tool deadline ${s.toolTimeoutMs} ms + ${m} ms)`,
    );
  }
  need(
    c.platformDrain !== undefined || c.drainCutsLongCalls === true || s.toolTimeoutMs + m <= s.shutdownGraceMs,
    `the server's grace (${s.shutdownGraceMs} ms) must let a whole call finish (tool deadline ${s.toolTimeoutMs} ms + ${m} ms)`,
  );
  need(
    s.shutdownGraceMs + m <= c.stopTimeoutS * 1000,
    `the server's grace (${s.shutdownGraceMs} ms) must end before SIGKILL (stop timeout ${c.stopTimeoutS} s, ${m} ms to exit)`,
  );
  need(
    c.maxStopTimeoutS === undefined || c.stopTimeoutS <= c.maxStopTimeoutS,
    `the stop timeout (${c.stopTimeoutS} s) is above what the platform allows (${c.maxStopTimeoutS} s)`,
  );
  if (c.loadBalancer) {
    const lb = c.loadBalancer;
    need(
      s.keepAliveTimeoutMs > lb.idleTimeoutS * 1000,
      `the server's keep-alive (${s.keepAliveTimeoutMs} ms) must outlast the load balancer's idle timeout (${lb.idleTimeoutS} s), else 502s on reused sockets`,
    );
    const read = lb.readTimeoutS ?? lb.idleTimeoutS;
    need(
      read * 1000 > s.toolTimeoutMs,
      `the load balancer's ${lb.readTimeoutS ? "read" : "idle"} timeout (${read} s) must outlast a call silent until its answer (tool deadline ${s.toolTimeoutMs} ms)`,
    );
    // Drain: tool deadline ← deregistration (deployments and scale-in deregister first, then SIGTERM).
    need(
      lb.deregistrationDelayS * 1000 >= s.toolTimeoutMs + m,
      `deregistration (${lb.deregistrationDelayS} s) must let a whole call finish (tool deadline ${s.toolTimeoutMs} ms + ${m} ms)`,
    );
  }
  if (c.cdn) {
    need(
      c.cdn.originReadTimeoutS > s.sseKeepAliveS,
      `SSE keepalives (every ${s.sseKeepAliveS} s) must arrive within the CDN's origin read timeout (${c.cdn.originReadTimeoutS} s)`,
    );
    need(
      s.executeTimeoutMs + m <= c.cdn.originReadTimeoutS * 1000,
      `the /execute deadline (${s.executeTimeoutMs} ms) must answer before the CDN's origin read timeout (${c.cdn.originReadTimeoutS} s) turns a silent answer into a 504`,
    );
    need(
      !c.loadBalancer || c.cdn.originKeepaliveS < c.loadBalancer.idleTimeoutS,
      `the CDN must drop idle origin connections (${c.cdn.originKeepaliveS} s) before the load balancer does (${c.loadBalancer?.idleTimeoutS} s)`,
    );
  }
  if (c.lambda) {
    const fnMs = c.lambda.functionTimeoutS * 1000;
    need(
      s.toolTimeoutMs < fnMs,
      `the tool deadline (${s.toolTimeoutMs} ms) must end before the function times out (${c.lambda.functionTimeoutS} s), else a slow call ends as a gateway error while the function bills on`,
    );
    if (c.lambda.integrationTimeoutMs !== undefined) {
      need(
        c.lambda.integrationTimeoutMs >= fnMs,
        `API Gateway's integration timeout (${c.lambda.integrationTimeoutMs} ms) must not cut the function (${c.lambda.functionTimeoutS} s) short`,
      );
      need(
        c.lambda.integrationTimeoutMs <= API_GATEWAY_STREAM_MAX_TIMEOUT_MS,
        `API Gateway streams for at most ${API_GATEWAY_STREAM_MAX_TIMEOUT_MS} ms (integration timeout ${c.lambda.integrationTimeoutMs} ms)`,
      );
      need(
        s.toolTimeoutMs < c.lambda.integrationTimeoutMs,
        `the tool deadline (${s.toolTimeoutMs} ms) must end before API Gateway's integration timeout (${c.lambda.integrationTimeoutMs} ms)`,
      );
    }
    if (c.lambda.streamIdleTimeoutS !== undefined) {
      need(
        s.sseKeepAliveS < c.lambda.streamIdleTimeoutS,
        `SSE keepalives (every ${s.sseKeepAliveS} s) must come within the stream's idle timeout (${c.lambda.streamIdleTimeoutS} s)`,
      );
    }
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
    clientTimeoutS: CLIENT_TOOL_TIMEOUT_S,
    server: serverTimeouts({
      // Behind CloudFront a plain JSON answer must beat its origin read timeout; the ALB alone waits longer.
      executeTimeoutMs: shape.cdn ? CLOUDFRONT_ORIGIN_READ_TIMEOUT_S * 1000 - DRAIN_MARGIN_MS : TOOL_TIMEOUT_MS,
      keepAliveTimeoutMs: SERVER_KEEP_ALIVE_TIMEOUT_MS,
      shutdownGraceMs: SHUTDOWN_GRACE_MS,
    }),
    cdn: shape.cdn
      ? { originReadTimeoutS: CLOUDFRONT_ORIGIN_READ_TIMEOUT_S, originKeepaliveS: CLOUDFRONT_ORIGIN_KEEPALIVE_S }
      : undefined,
    loadBalancer: { idleTimeoutS: ALB_IDLE_TIMEOUT_S, deregistrationDelayS: DEREGISTRATION_DELAY_S },
    stopTimeoutS: ECS_STOP_TIMEOUT_S,
    maxStopTimeoutS: FARGATE_MAX_STOP_TIMEOUT_S,
  });
}

/** API Gateway REST with response streaming: the longest an integration may run (15 minutes). */
export const API_GATEWAY_STREAM_MAX_TIMEOUT_MS = 900_000;
/**
 * A streamed REST response (Regional endpoint) is cut after this long without a byte; SSE keep-alives
 * must come more often.
 */
export const API_GATEWAY_STREAM_IDLE_TIMEOUT_S = 300;
/**
 * The tool deadline ends this long before the function's timeout, so a slow call ends as a clear tool
 * error (and the function stops billing) instead of a gateway error while the function runs on.
 */
export const LAMBDA_DEADLINE_MARGIN_MS = 10_000;

/** aws-lambda: [API Gateway REST, streaming ←] the function (`live` alias). */
export function awsLambdaTimeouts(shape: { functionTimeoutS: number; apiGateway: boolean }): TimeoutChain {
  const functionTimeoutMs = shape.functionTimeoutS * 1000;
  // The shared deadline (clients give up at CLIENT_TOOL_TIMEOUT_S), or less when the function's timeout is shorter.
  const toolTimeoutMs = Math.min(TOOL_TIMEOUT_MS, functionTimeoutMs - LAMBDA_DEADLINE_MARGIN_MS);
  return checkedChain({
    target: "aws-lambda",
    clientTimeoutS: CLIENT_TOOL_TIMEOUT_S,
    // A streamed answer has no read timeout short of the stream's idle one: /execute may use the whole deadline.
    server: serverTimeouts({
      toolTimeoutMs,
      // No socket: the keep-alive is never used.
      keepAliveTimeoutMs: SERVER_KEEP_ALIVE_TIMEOUT_MS,
      // Lambda never stops an invocation to deploy: it runs out on the version that started it, and
      // SIGTERM reaches only an idle sandbox. Grace and stop timeout keep the chain's drain relations.
      shutdownGraceMs: toolTimeoutMs + 2 * DRAIN_MARGIN_MS,
    }),
    lambda: {
      functionTimeoutS: shape.functionTimeoutS,
      integrationTimeoutMs: shape.apiGateway ? Math.min(functionTimeoutMs, API_GATEWAY_STREAM_MAX_TIMEOUT_MS) : undefined,
      streamIdleTimeoutS: shape.apiGateway ? API_GATEWAY_STREAM_IDLE_TIMEOUT_S : undefined,
    },
    stopTimeoutS: (toolTimeoutMs + 3 * DRAIN_MARGIN_MS) / 1000,
  });
}

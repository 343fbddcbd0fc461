import { CLIENT_TOOL_TIMEOUT_S } from "../shared/client-configs.ts";
import {
  checkedChain,
  DRAIN_MARGIN_MS,
  SERVER_KEEP_ALIVE_TIMEOUT_MS,
  serverTimeouts,
  type TimeoutChain,
} from "../shared/timeouts.ts";

/**
 * The heroku target's hops: client ← Heroku's router ← the web dyno. Not a Pulumi target: these are the
 * values app.json sets, and test/deploy/heroku.test.ts checks app.json against them.
 *
 * The router (devcenter.heroku.com/articles/request-timeout, /http-routing): a request with no first byte
 * of the answer in 30 s is cut (H12); after it, any 55 s without a byte is cut (H15); idle keep-alive
 * connections to the dyno are reused for up to 90 s. Dynos get SIGKILL 30 s after SIGTERM.
 */
export const ROUTER_FIRST_BYTE_S = 30;
export const ROUTER_ROLLING_WINDOW_S = 55;
export const ROUTER_IDLE_REUSE_S = 90;
export const HEROKU_SIGKILL_AFTER_S = 30;
/** SHUTDOWN_GRACE_MS on Heroku: the exit must come before the fixed SIGKILL. */
const GRACE_MS = HEROKU_SIGKILL_AFTER_S * 1000 - DRAIN_MARGIN_MS;
/** /execute answers one JSON body at its end: it must come before the router's first-byte limit. */
const EXECUTE_MS = ROUTER_FIRST_BYTE_S * 1000 - DRAIN_MARGIN_MS;

export function herokuTimeouts(): TimeoutChain {
  const chain = checkedChain({
    target: "heroku",
    clientTimeoutS: CLIENT_TOOL_TIMEOUT_S,
    server: serverTimeouts({ executeTimeoutMs: EXECUTE_MS, keepAliveTimeoutMs: SERVER_KEEP_ALIVE_TIMEOUT_MS, shutdownGraceMs: GRACE_MS }),
    // The router's first-byte limit plays a CDN's origin read timeout: SSE keep-alives and /execute's
    // deadline must come inside it.
    cdn: { originReadTimeoutS: ROUTER_FIRST_BYTE_S, originKeepaliveS: ROUTER_IDLE_REUSE_S },
    stopTimeoutS: HEROKU_SIGKILL_AFTER_S,
    maxStopTimeoutS: HEROKU_SIGKILL_AFTER_S,
    // A call longer than 25 s that is running when the dyno restarts (deploys, daily cycling) is cut:
    // fitting every call into 25 s would cut far more calls than the restarts do.
    drainCutsLongCalls: true,
  });
  const problems: string[] = [];
  if (!(chain.server.sseKeepAliveS < ROUTER_ROLLING_WINDOW_S)) problems.push("keep-alives must come inside the router's 55 s window");
  if (!(chain.server.keepAliveTimeoutMs > ROUTER_IDLE_REUSE_S * 1000)) {
    problems.push("the server's keep-alive must outlast the router's 90 s reuse of idle connections");
  }
  if (problems.length) throw new Error(`Inconsistent timeouts:\n${problems.map((p) => `  - heroku: ${p}`).join("\n")}`);
  return chain;
}

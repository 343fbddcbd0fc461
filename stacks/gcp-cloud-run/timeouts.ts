import { CLIENT_TOOL_TIMEOUT_S } from "../shared/client-configs.ts";
import {
  checkedChain,
  DRAIN_MARGIN_MS,
  serverTimeouts,
  type TimeoutChain,
} from "../shared/timeouts.ts";

/**
 * The gcp-cloud-run target's hops: client ← Google front end (← optional external load balancer) ←
 * instance. Cloud Run's front end holds each request up to the service's request timeout; it sends
 * SIGTERM to an instance it no longer routes to once the instance holds no request, then SIGKILL 10 s
 * later (the container runtime contract). So the drain is the platform's, and the server's own grace
 * only has to let it exit inside those 10 s.
 */

/** SIGTERM → SIGKILL on Cloud Run: fixed, not configurable. */
export const CLOUD_RUN_STOP_S = 10;
/**
 * The service's request timeout (template.timeout). Far above the tool deadline: the server's deadlines
 * bound every call, the platform's only cuts what they do not (Cloud Run's 300 s default would cut a
 * stream a client holds open; its maximum is 3600 s).
 */
export const CLOUD_RUN_REQUEST_TIMEOUT_S = 600;
/** The server's drain after SIGTERM: the stop window less the margin to exit. */
export const CLOUD_RUN_SHUTDOWN_GRACE_MS = CLOUD_RUN_STOP_S * 1000 - DRAIN_MARGIN_MS;
/**
 * The server's keep-alive: above the Google front end's 600 s idle keep-alive to backends (Google's
 * guidance for load-balancer backends: more than 600 s), so the front end, never the server, closes
 * an idle connection.
 */
export const CLOUD_RUN_KEEP_ALIVE_TIMEOUT_MS = 620_000;

export function gcpCloudRunTimeouts(): TimeoutChain {
  return checkedChain({
    target: "gcp-cloud-run",
    clientTimeoutS: CLIENT_TOOL_TIMEOUT_S,
    // No CDN: the front end waits up to the request timeout, so /execute may take the whole deadline.
    server: serverTimeouts({
      keepAliveTimeoutMs: CLOUD_RUN_KEEP_ALIVE_TIMEOUT_MS,
      shutdownGraceMs: CLOUD_RUN_SHUTDOWN_GRACE_MS,
    }),
    stopTimeoutS: CLOUD_RUN_STOP_S,
    maxStopTimeoutS: CLOUD_RUN_STOP_S,
    platformDrain: { requestTimeoutS: CLOUD_RUN_REQUEST_TIMEOUT_S },
  });
}

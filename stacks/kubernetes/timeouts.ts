import { CLIENT_TOOL_TIMEOUT_S } from "../shared/client-configs.ts";
import {
  checkedChain,
  DRAIN_MARGIN_MS,
  serverTimeouts,
  SHUTDOWN_GRACE_MS,
  type TimeoutChain,
  TOOL_TIMEOUT_MS,
} from "../shared/timeouts.ts";

/**
 * The kubernetes target's hops: client ← ingress-nginx (or a Gateway) ← pod. Long calls answer as SSE
 * with a `: keepalive` every 15 s; /execute answers plain JSON at its end, so the proxy's read timeout
 * must outlast a whole call.
 */

/**
 * preStop pause: the pod keeps accepting while its endpoint leaves the EndpointSlices and the ingress
 * controller stops sending to it (ingress-nginx applies endpoint changes without a reload, within seconds).
 */
const PRE_STOP_S = 10;
/** ingress-nginx's upstream keep-alive (its `upstream-keepalive-timeout` default). */
const INGRESS_UPSTREAM_KEEPALIVE_S = 60;
/** ingress-nginx read/send timeouts and the HTTPRoute's request timeout: above a whole call. */
const PROXY_TIMEOUT_S = TOOL_TIMEOUT_MS / 1000 + 30;

export interface KubernetesTimeouts {
  chain: TimeoutChain;
  preStopSeconds: number;
  terminationGracePeriodSeconds: number;
  proxyTimeoutSeconds: number;
  /** MAX_BODY_BYTES (the server's default), which the ingress enforces too. */
  maxBodyBytes: number;
}

export function kubernetesTimeouts(): KubernetesTimeouts {
  // After SIGTERM the server drains for SHUTDOWN_GRACE_MS (a whole call and a margin); Kubernetes lets a
  // pod take as long as it says, unlike ECS's 120 s ceiling.
  const terminationGracePeriodSeconds = PRE_STOP_S + (SHUTDOWN_GRACE_MS + DRAIN_MARGIN_MS) / 1000;
  const chain = checkedChain({
    target: "kubernetes",
    clientTimeoutS: CLIENT_TOOL_TIMEOUT_S,
    // No CDN in front: a plain-JSON /execute answer may take the whole tool deadline.
    server: serverTimeouts({
      // Above the ingress's upstream keep-alive: the proxy, never the server, closes an idle connection.
      keepAliveTimeoutMs: 125_000,
      shutdownGraceMs: SHUTDOWN_GRACE_MS,
    }),
    loadBalancer: {
      idleTimeoutS: INGRESS_UPSTREAM_KEEPALIVE_S,
      readTimeoutS: PROXY_TIMEOUT_S,
      // The endpoint leaves the Service when the pod starts terminating; calls in flight then have the
      // preStop pause and the drain before SIGKILL: Kubernetes' counterpart of a deregistration delay.
      deregistrationDelayS: PRE_STOP_S + SHUTDOWN_GRACE_MS / 1000,
    },
    // The kubelet's SIGKILL comes terminationGracePeriodSeconds after the pod starts terminating,
    // preStop included: what is left for the server after preStop.
    stopTimeoutS: terminationGracePeriodSeconds - PRE_STOP_S,
  });
  return {
    chain,
    preStopSeconds: PRE_STOP_S,
    terminationGracePeriodSeconds,
    proxyTimeoutSeconds: PROXY_TIMEOUT_S,
    maxBodyBytes: 1024 * 1024,
  };
}

import { checkedChain, ESTAT_TIMEOUT_MS, SSE_KEEPALIVE_S, TOOL_TIMEOUT_MS, type TimeoutChain } from "../shared/timeouts.ts";

/**
 * The kubernetes target's hops: client ← ingress-nginx (or a Gateway) ← pod. Long calls answer as SSE
 * with a `: keepalive` every 15 s; /execute answers plain JSON at its end, so the proxy's read timeout
 * must outlast a whole call.
 */

/**
 * After SIGTERM the server drains for this long: a call admitted just before it may run to the tool
 * deadline. Kubernetes lets a pod take as long as it says (terminationGracePeriodSeconds), unlike ECS.
 */
const SHUTDOWN_GRACE_MS = TOOL_TIMEOUT_MS + 5_000;
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
  const terminationGracePeriodSeconds = PRE_STOP_S + SHUTDOWN_GRACE_MS / 1000 + 5;
  const chain = checkedChain({
    target: "kubernetes",
    server: {
      estatTimeoutMs: ESTAT_TIMEOUT_MS,
      toolTimeoutMs: TOOL_TIMEOUT_MS,
      sseKeepAliveS: SSE_KEEPALIVE_S,
      // Above the ingress's upstream keep-alive: the proxy, never the server, closes an idle connection.
      keepAliveTimeoutMs: 125_000,
      shutdownGraceMs: SHUTDOWN_GRACE_MS,
    },
    loadBalancer: {
      idleTimeoutS: INGRESS_UPSTREAM_KEEPALIVE_S,
      readTimeoutS: PROXY_TIMEOUT_S,
      // The preStop pause plays the deregistration delay's part: traffic stops before SIGTERM.
      deregistrationDelayS: PRE_STOP_S,
    },
    // The kubelet's SIGKILL comes terminationGracePeriodSeconds after the pod starts terminating,
    // preStop included: what is left for the server after preStop.
    stopTimeoutS: terminationGracePeriodSeconds - PRE_STOP_S,
  });
  const s = chain.server;
  if (s.shutdownGraceMs < s.toolTimeoutMs || PROXY_TIMEOUT_S * 1000 <= s.toolTimeoutMs) {
    throw new Error("kubernetes: the drain and the proxy timeout must each outlast a whole call");
  }
  return {
    chain,
    preStopSeconds: PRE_STOP_S,
    terminationGracePeriodSeconds,
    proxyTimeoutSeconds: PROXY_TIMEOUT_S,
    maxBodyBytes: 1024 * 1024,
  };
}

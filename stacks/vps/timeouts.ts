import { CLIENT_TOOL_TIMEOUT_S } from "../shared/client-configs.ts";
import {
  checkedChain,
  DRAIN_MARGIN_MS,
  SERVER_KEEP_ALIVE_TIMEOUT_MS,
  serverTimeouts,
  SHUTDOWN_GRACE_MS,
  type TimeoutChain,
  TOOL_TIMEOUT_MS,
} from "../shared/timeouts.ts";

/**
 * The VPS target's hops (deploy/vps): client ← nginx ← the app container, under Docker Compose. Not a
 * Pulumi target: these numbers are what deploy/vps/nginx/nginx.conf and deploy/vps/compose.yaml carry,
 * and test/deploy/vps-*.test.ts check the files against them.
 */

/** nginx's upstream `keepalive_timeout`: idle connections to the app close after this long. */
const NGINX_UPSTREAM_KEEPALIVE_S = 60;
/** nginx's proxy_read_timeout / proxy_send_timeout: above a whole call silent until its answer. */
const NGINX_PROXY_TIMEOUT_S = TOOL_TIMEOUT_MS / 1000 + 30;
/** compose.yaml's stop_grace_period: Docker sends SIGKILL this long after SIGTERM. */
const COMPOSE_STOP_GRACE_S = (SHUTDOWN_GRACE_MS + 2 * DRAIN_MARGIN_MS) / 1000;

export interface VpsTimeouts {
  chain: TimeoutChain;
  stopGracePeriodSeconds: number;
  /** MAX_BODY_BYTES (the server's default), which nginx enforces as client_max_body_size. */
  maxBodyBytes: number;
}

export function vpsTimeouts(): VpsTimeouts {
  const chain = checkedChain({
    target: "vps",
    clientTimeoutS: CLIENT_TOOL_TIMEOUT_S,
    // No CDN: nginx waits NGINX_PROXY_TIMEOUT_S for a plain-JSON /execute answer.
    server: serverTimeouts({ keepAliveTimeoutMs: SERVER_KEEP_ALIVE_TIMEOUT_MS, shutdownGraceMs: SHUTDOWN_GRACE_MS }),
    loadBalancer: {
      idleTimeoutS: NGINX_UPSTREAM_KEEPALIVE_S,
      readTimeoutS: NGINX_PROXY_TIMEOUT_S,
      // No deregistration: `docker compose up -d` stops the old container with SIGTERM and the calls it
      // holds keep their connections through nginx while the server drains.
      deregistrationDelayS: SHUTDOWN_GRACE_MS / 1000,
    },
    stopTimeoutS: COMPOSE_STOP_GRACE_S,
  });
  return { chain, stopGracePeriodSeconds: COMPOSE_STOP_GRACE_S, maxBodyBytes: 1024 * 1024 };
}

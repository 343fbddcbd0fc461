/**
 * Every timeout on the request path, in one place, so that a 60-second e-Stat call is never cut.
 *
 * Client ─ CloudFront ─ ALB ─ task. Long tool calls answer as SSE and the server writes a `: keepalive`
 * comment every 15 s, so no hop ever waits more than 15 s for a byte once the call has started.
 */

/** The server gives up on e-Stat after this long (ESTAT_TIMEOUT_MS). */
export const ESTAT_TIMEOUT_MS = 60_000;
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

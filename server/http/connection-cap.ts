/**
 * At most `max` open connections per client address (0: no cap). A client holding more, slowly or not,
 * gets a 503 and a closed socket at once. Only meaningful on a direct bind: behind a load balancer every
 * connection comes from the balancer's own addresses.
 */
import type { Server } from "node:http";

const BODY = JSON.stringify({
  success: false,
  error: "Too many open connections from your address. Close some, or reuse one (keep-alive), and retry.",
});
const REFUSAL =
  "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: application/json\r\n" +
  `Content-Length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`;

export function capConnectionsPerIp(server: Server, max: number, onRefused?: (ip: string) => void): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  server.on("connection", (socket) => {
    const ip = socket.remoteAddress ?? "";
    const count = open.get(ip) ?? 0;
    if (count >= max) {
      onRefused?.(ip);
      socket.on("error", () => {});
      socket.end(REFUSAL);
      socket.destroySoon();
      return;
    }
    open.set(ip, count + 1);
    socket.once("close", () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left > 0) open.set(ip, left);
      else open.delete(ip);
    });
  });
}

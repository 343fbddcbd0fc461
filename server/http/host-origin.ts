/** DNS-rebinding protection: a browser tricked into calling us carries a foreign Host or Origin. */
import { validateHostHeader } from "@modelcontextprotocol/server";
import type Koa from "koa";
import { HttpError, rpcError } from "./errors.ts";
import { isOpenPath } from "./open-paths.ts";

export interface OriginRules {
  /** Exact origins, as URL.origin writes them. */
  allowedOrigins: readonly string[];
  /** Also the server's own origin (http://<Host>) when Host is a loopback name. */
  sameOriginOnLoopback: boolean;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Whether a browser page at `origin` may call us: scheme, host and port must match exactly. */
export function originAllowed(origin: string, host: string, rules: OriginRules): boolean {
  let exact: string;
  try {
    exact = new URL(origin).origin;
  } catch {
    return false;
  }
  if (exact === "null") return false;
  if (rules.allowedOrigins.includes(exact)) return true;
  if (!rules.sameOriginOnLoopback || !wellFormedHost(host)) return false;
  const own = new URL(`http://${host}`);
  return LOOPBACK.has(own.hostname) && exact === own.origin;
}

export function hostOrigin(opts: { allowedHosts: readonly string[] } & OriginRules): Koa.Middleware {
  const hosts = [...opts.allowedHosts];
  return async (ctx, next) => {
    if (isOpenPath(ctx.path)) return next();
    // Whatever the allow-list, a Host that is not host[:port] is the client's mistake (the MCP bridge
    // would otherwise fail building a URL from it: a 500).
    if (!wellFormedHost(ctx.get("host"))) {
      throw new HttpError(
        400,
        "Bad host",
        rpcError(-32000, "Bad Request: the Host header must be host[:port], e.g. Host: example.jp or Host: 127.0.0.1:8080."),
      );
    }
    if (hosts.length > 0) {
      const host = validateHostHeader(ctx.get("host"), hosts);
      if (!host.ok) {
        throw new HttpError(
          403,
          "Forbidden host",
          rpcError(-32000, `Forbidden: Host not allowed. Add it to ALLOWED_HOSTS.`),
        );
      }
    }
    const origin = ctx.get("origin");
    if (origin) {
      if (!originAllowed(origin, ctx.get("host"), opts)) {
        throw new HttpError(
          403,
          "Forbidden origin",
          rpcError(
            -32000,
            "Forbidden: Origin not allowed. Add it to ALLOWED_ORIGINS to call this server from a browser.",
          ),
        );
      }
    }
    return next();
  };
}

/**
 * Verdicts on Host values already seen: a server sees a handful, and parsing a URL for each request was
 * a measurable part of it. Bounded: forgotten wholesale when a client sends many distinct values.
 */
const hostVerdicts = new Map<string, boolean>();

/** host, host:port, [v6] or [v6]:port with a port 0-65535: what a URL's authority may hold, no more. */
export function wellFormedHost(host: string): boolean {
  if (host.length > 300) return false; // a DNS name is at most 253 characters, a port 6
  let verdict = hostVerdicts.get(host);
  if (verdict === undefined) {
    verdict = parsesAsHost(host);
    if (hostVerdicts.size >= 256) hostVerdicts.clear();
    hostVerdicts.set(host, verdict);
  }
  return verdict;
}

function parsesAsHost(host: string): boolean {
  if (!host || /[\s/?#@\\]/.test(host)) return false;
  try {
    const url = new URL(`http://${host}`);
    return url.pathname === "/" && url.username === "" && url.password === "";
  } catch {
    return false;
  }
}

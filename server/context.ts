import { AsyncLocalStorage } from "node:async_hooks";

/** What one HTTP request accumulates for its log line, wherever the work happens. */
export interface RequestContext {
  id: string;
  upstream: number;
  upstreamMs: number;
  tool?: string;
  rpcMethod?: string;
  /** Messages in a JSON-RPC batch (2025-03-26 only). */
  batch?: number;
  /** The API key's id (MCP_AUTH=keys). */
  keyId?: string;
  /** The token's subject (MCP_AUTH=oauth), and the client it was issued to. */
  principal?: string;
  clientId?: string;
  /** Why authentication failed: a short fixed word, never what was presented. */
  authFailure?: string;
  /** The client's address as Koa reads it (behind TRUSTED_PROXY_HOPS proxies). */
  ip?: string;
  toolError?: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

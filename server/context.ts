import { AsyncLocalStorage } from "node:async_hooks";

/** What one HTTP request accumulates for its log line, wherever the work happens. */
export interface RequestContext {
  id: string;
  upstream: number;
  upstreamMs: number;
  tool?: string;
  rpcMethod?: string;
  keyId?: string;
  toolError?: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

/**
 * The e-Stat HTTP client. Knows nothing of MCP or Koa: it turns a call into validated JSON or an
 * EstatError whose message says what to do next. The appId travels in the query string, so no URL
 * ever reaches a message, a log line or a response.
 */
import { LRUCache } from "lru-cache";
import CircuitBreaker from "opossum";
import pRetry from "p-retry";
import type { z } from "zod";
import { EstatError, errorForStatus, GET_APP_ID_HINT } from "./errors.ts";
import { FairLimit } from "./fair-limit.ts";
import {
  DataCatalogResponse,
  ENVELOPE,
  type Endpoint,
  MetaInfoResponse,
  RefDatasetResponse,
  Result,
  StatsDataResponse,
  StatsListResponse,
} from "./schemas.ts";

export interface EstatClientOptions {
  baseUrl: string;
  appId?: string;
  timeoutMs: number;
  maxConcurrency: number;
  /** Calls one caller may have waiting for a slot, and all callers together; beyond, "busy". */
  maxQueuedPerKey?: number;
  maxQueued?: number;
  /** Who is calling (an API key id, a client address): slots are shared fairly between callers. */
  callerOf?: () => string | undefined;
  retries: number;
  cacheMaxBytes: number;
  cacheTtlMs: number;
  /** First retry delay; later ones grow with jitter. */
  retryBaseMs?: number;
  /** How long the circuit stays open before e-Stat is probed again. */
  breakerResetMs?: number;
  /** Told about every upstream attempt (for request logs and metrics). */
  onCall?: (call: { endpoint: Endpoint; ms: number; ok: boolean; kind?: string }) => void;
}

export type Params = Record<string, string | number | undefined>;

export interface CallOptions {
  signal?: AbortSignal;
  /** Cache the answer (metadata and small repeated calls); large data pages are never cached. */
  cache?: boolean;
}

export interface Answer<T> {
  data: T;
  /** The body exactly as e-Stat sent it. */
  bytes: Uint8Array;
  fromCache: boolean;
  /** Served from the cache after its TTL because e-Stat is failing. */
  stale: boolean;
}

const SCHEMAS = {
  getStatsList: StatsListResponse,
  getMetaInfo: MetaInfoResponse,
  getStatsData: StatsDataResponse,
  getDataCatalog: DataCatalogResponse,
  refDataset: RefDatasetResponse,
} as const;

type Parsed<E extends Endpoint> = z.infer<(typeof SCHEMAS)[E]>;

interface Fetched {
  json: unknown;
  bytes: Uint8Array;
}

/** A cached answer, kept as validated data: a hit is not checked again. */
interface Cached {
  data: unknown;
  bytes: Uint8Array;
}

export class EstatClient {
  readonly #opts: EstatClientOptions;
  readonly #limit: FairLimit;
  readonly #cache: LRUCache<string, Cached>;
  readonly #breaker: CircuitBreaker<[Endpoint, Params, AbortSignal | undefined, string], Fetched>;
  readonly #resetMs: number;

  constructor(opts: EstatClientOptions) {
    this.#opts = opts;
    this.#limit = new FairLimit({
      concurrency: opts.maxConcurrency,
      maxQueuedPerKey: opts.maxQueuedPerKey ?? 16,
      maxQueued: opts.maxQueued ?? 64,
    });
    this.#cache = new LRUCache<string, Cached>({
      maxSize: opts.cacheMaxBytes,
      maxEntrySize: Math.max(1, Math.floor(opts.cacheMaxBytes / 8)),
      sizeCalculation: (v) => Math.max(1, v.bytes.byteLength * 2),
      ttl: opts.cacheTtlMs,
      // Keep expired entries so an outage can be answered with stale data, marked as such.
      allowStale: false,
      noDeleteOnStaleGet: true,
    });
    this.#resetMs = opts.breakerResetMs ?? 30_000;
    this.#breaker = new CircuitBreaker(
      (endpoint: Endpoint, params: Params, signal: AbortSignal | undefined, caller: string) =>
        this.#fetchWithRetry(endpoint, params, signal, caller),
      {
        timeout: false,
        resetTimeout: this.#resetMs,
        volumeThreshold: 5,
        errorThresholdPercentage: 50,
        // Only outages open the circuit; a bad parameter or an unknown table says nothing about e-Stat's health.
        errorFilter: (err: unknown) => !(err instanceof EstatError && err.retryable),
      },
    );
  }

  get configured(): boolean {
    return Boolean(this.#opts.appId);
  }

  /** "closed" (healthy), "open" (failing fast) or "half-open" (probing). */
  get circuit(): "closed" | "open" | "half-open" {
    return this.#breaker.halfOpen ? "half-open" : this.#breaker.opened ? "open" : "closed";
  }

  async call<E extends Endpoint>(
    endpoint: E,
    params: Params,
    opts: CallOptions = {},
  ): Promise<Answer<Parsed<E>>> {
    if (!this.#opts.appId) {
      throw new EstatError(
        "no_app_id",
        `ESTAT_APP_ID is not set, so e-Stat cannot be called. ${GET_APP_ID_HINT}`,
      );
    }
    const key = cacheKey(endpoint, params);
    if (opts.cache) {
      const hit = this.#cache.get(key);
      if (hit) return { data: hit.data as Parsed<E>, bytes: hit.bytes, fromCache: true, stale: false };
    }
    let fetched: Fetched;
    try {
      fetched = await this.#breaker.fire(endpoint, params, opts.signal, this.#opts.callerOf?.() ?? "anonymous");
    } catch (err) {
      // p-retry ends with the signal's own reason when the caller gives up (even while a call waits for a slot).
      const failure = opts.signal?.aborted
        ? new EstatError("aborted", "The request was cancelled before e-Stat answered.")
        : this.#asEstatError(err);
      if (failure.retryable && opts.cache) {
        const stale = this.#cache.get(key, { allowStale: true });
        if (stale) return { data: stale.data as Parsed<E>, bytes: stale.bytes, fromCache: true, stale: true };
      }
      throw failure;
    }
    const data = this.#validate(endpoint, fetched.json);
    if (opts.cache) this.#cache.set(key, { data, bytes: fetched.bytes });
    return { data, bytes: fetched.bytes, fromCache: false, stale: false };
  }

  #asEstatError(err: unknown): EstatError {
    if (err instanceof EstatError) return err;
    if (err instanceof Error && (err as { code?: string }).code === "EOPENBREAKER") {
      const seconds = Math.round(this.#resetMs / 1000);
      return new EstatError(
        "unavailable",
        `e-Stat is failing, so calls are paused for up to ${seconds} s to let it recover. Try again in a minute.`,
      );
    }
    return new EstatError("unavailable", "e-Stat could not be reached. Try again later.", { cause: err });
  }

  #validate<E extends Endpoint>(endpoint: E, json: unknown): Parsed<E> {
    const r = SCHEMAS[endpoint].safeParse(json);
    if (!r.success) {
      throw new EstatError(
        "bad_response",
        `e-Stat's ${endpoint} answer did not have the expected shape (${r.error.issues[0]?.path.join(".") || "root"}). ` +
          "Try again later; if it persists, e-Stat may have changed its API.",
      );
    }
    return r.data as Parsed<E>;
  }

  async #fetchWithRetry(endpoint: Endpoint, params: Params, signal: AbortSignal | undefined, caller: string): Promise<Fetched> {
    return pRetry(() => this.#limit.run(caller, () => this.#fetchOnce(endpoint, params, signal), signal), {
      retries: this.#opts.retries,
      minTimeout: this.#opts.retryBaseMs ?? 250,
      factor: 2,
      randomize: true,
      signal,
      // Timeouts, resets, 5xx and e-Stat's 2xx statuses; never a rejected parameter or appId. The tool's own
      // deadline (TOOL_TIMEOUT_MS) bounds the total, aborting through `signal`.
      shouldRetry: ({ error }) => error instanceof EstatError && error.retryable,
    });
  }

  async #fetchOnce(endpoint: Endpoint, params: Params, signal?: AbortSignal): Promise<Fetched> {
    const url = new URL(`${this.#opts.baseUrl}/json/${endpoint}`);
    url.searchParams.set("appId", this.#opts.appId ?? "");
    for (const [k, v] of Object.entries(params))
      if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
    const timeout = AbortSignal.timeout(this.#opts.timeoutMs);
    const started = performance.now();
    const report = (ok: boolean, kind?: string) =>
      this.#opts.onCall?.({ endpoint, ms: Math.round(performance.now() - started), ok, kind });
    let res: Response;
    let bytes: Uint8Array;
    try {
      res = await fetch(url, {
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        headers: { accept: "application/json" },
      });
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch {
      const e = signal?.aborted
        ? new EstatError("aborted", "The request was cancelled before e-Stat answered.")
        : timeout.aborted
          ? new EstatError(
              "timeout",
              `e-Stat did not answer within ${Math.round(this.#opts.timeoutMs / 1000)} s. Narrow the request (filters, limit) or try again later.`,
            )
          : new EstatError(
              "unavailable",
              "e-Stat could not be reached (the connection failed). Try again later.",
            );
      report(false, e.kind);
      throw e;
    }
    try {
      const json = interpret(endpoint, res.status, bytes);
      report(true);
      return { json, bytes };
    } catch (err) {
      report(false, err instanceof EstatError ? err.kind : "bad_response");
      throw err;
    }
  }
}

/** Read e-Stat's answer whatever the HTTP status: the body says more than the status line. */
export function interpret(endpoint: Endpoint, httpStatus: number, bytes: Uint8Array): unknown {
  const body = new TextDecoder().decode(bytes);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    // A firewall in front of e-Stat answers a rejected appId with HTTP 403 and an XML or HTML page.
    const xmlStatus = /<STATUS>\s*(\d+)\s*<\/STATUS>/i.exec(body)?.[1];
    if (httpStatus === 403 || xmlStatus === "100") return throwStatus(100, "", httpStatus);
    if (xmlStatus)
      return throwStatus(
        Number(xmlStatus),
        /<ERROR_MSG>([^<]*)<\/ERROR_MSG>/i.exec(body)?.[1] ?? "",
        httpStatus,
      );
    if (httpStatus >= 500 || httpStatus === 429) {
      throw new EstatError("upstream", `e-Stat answered HTTP ${httpStatus}. Try again later.`, {
        httpStatus,
      });
    }
    throw new EstatError(
      "bad_response",
      `e-Stat answered HTTP ${httpStatus} with a body that is not JSON. Try again later.`,
      { httpStatus },
    );
  }
  const envelope = (json as Record<string, unknown> | null)?.[ENVELOPE[endpoint]] as
    | Record<string, unknown>
    | undefined;
  const result = Result.safeParse(envelope?.RESULT);
  if (!result.success) {
    if (httpStatus === 403) return throwStatus(100, "", httpStatus);
    if (httpStatus >= 500)
      throw new EstatError("upstream", `e-Stat answered HTTP ${httpStatus}. Try again later.`, {
        httpStatus,
      });
    throw new EstatError(
      "bad_response",
      `e-Stat's ${endpoint} answer has no RESULT.STATUS. Try again later.`,
      {
        httpStatus,
      },
    );
  }
  const { STATUS, ERROR_MSG } = result.data;
  // 0: ok; 1: ok but nothing matched; 2: a bulk call where a part had no data.
  if (STATUS <= 2) return json;
  return throwStatus(STATUS, ERROR_MSG, httpStatus);
}

function throwStatus(status: number, message: string, httpStatus: number): never {
  throw errorForStatus(status, message, httpStatus);
}

function cacheKey(endpoint: Endpoint, params: Params): string {
  const entries = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== "")
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `${endpoint}?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`;
}

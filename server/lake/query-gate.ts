/**
 * Bounds how many lake queries run at once, per instance and per key. Each running query holds one row
 * group of its columns plus its groups (see query.ts), so the worst case is `concurrency` of those; more
 * callers wait in a bounded queue, and beyond it they get a "busy, retry" error at once instead of
 * piling up memory. Waiting ends on the caller's signal (cancel, deadline).
 *
 * Hand-written rather than p-limit (the e-Stat client has its own fair limiter, estat/fair-limit.ts): p-limit's queue is unbounded and a
 * queued task cannot be withdrawn when its caller goes away.
 */
import { LakeError } from "./errors.ts";

export interface QueryGateOptions {
  /** Queries running at once on this instance. */
  concurrency: number;
  /** Queries waiting for a slot on this instance; beyond, callers are told the lake is busy. */
  queue: number;
  /** Queries (running or waiting) of one key at once; beyond, that key is told to wait for its own. */
  perKey: number;
}

export class QueryGate {
  readonly opts: QueryGateOptions;
  #running = 0;
  #waiting: (() => void)[] = [];
  #perKey = new Map<string, number>();

  constructor(opts: QueryGateOptions) {
    this.opts = opts;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `work` when a slot is free; `key` is the caller (an API key id), undefined = not counted per key. */
  async run<T>(key: string | undefined, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    signal?.throwIfAborted();
    const mine = key === undefined ? 0 : (this.#perKey.get(key) ?? 0);
    if (key !== undefined && mine >= this.opts.perKey) {
      throw new LakeError(
        `You already have ${mine} query_dataset calls running (at most ${this.opts.perKey} at once per key). ` +
          "Wait for them to finish, then retry.",
        429,
      );
    }
    if (this.#running >= this.opts.concurrency && this.#waiting.length >= this.opts.queue) {
      throw new LakeError(
        `The data lake is busy (${this.#running} queries running, ${this.#waiting.length} waiting). Retry in a few seconds.`,
        503,
      );
    }
    if (key !== undefined) this.#perKey.set(key, mine + 1);
    try {
      await this.#acquire(signal);
      try {
        return await work();
      } finally {
        this.#release();
      }
    } finally {
      if (key !== undefined) {
        const n = (this.#perKey.get(key) ?? 1) - 1;
        if (n === 0) this.#perKey.delete(key);
        else this.#perKey.set(key, n);
      }
    }
  }

  #acquire(signal: AbortSignal | undefined): Promise<void> {
    if (this.#running < this.opts.concurrency) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        this.#running++;
        resolve();
      };
      const onAbort = () => {
        const i = this.#waiting.indexOf(grant);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(cancelled(signal));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(grant);
    });
  }

  #release(): void {
    this.#running--;
    this.#waiting.shift()?.();
  }
}

/** The error a query stops with when its caller went away or its deadline passed. */
export function cancelled(signal: AbortSignal | undefined): LakeError {
  const timeout = (signal?.reason as { name?: string } | undefined)?.name === "TimeoutError";
  return new LakeError(
    timeout ? "The query ran out of time and was stopped. Narrow it with where, or group by fewer columns." : "The query was cancelled.",
    499,
    { cause: signal?.reason },
  );
}

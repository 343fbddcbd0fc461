/**
 * The e-Stat concurrency bound, shared fairly between callers (API keys, or client addresses without
 * auth). At most `concurrency` calls run at once; when a slot frees, it goes to the waiting caller with
 * the fewest calls running (among equals, the one served longest ago), so one caller's burst cannot hold the others
 * behind it. Queues are bounded: past `maxQueuedPerKey` for one caller, or `maxQueued` in all, a call is
 * refused at once with an error that says to retry. A waiting call whose signal aborts leaves the queue.
 * Knows nothing of HTTP: the caller's key is passed in.
 */
import { EstatError } from "./errors.ts";

export interface FairLimitOptions {
  concurrency: number;
  /** Calls one key may have waiting (not running). */
  maxQueuedPerKey: number;
  /** Calls all keys together may have waiting. */
  maxQueued: number;
}

interface Waiter {
  start(): void;
  abandon(): void;
}

export const BUSY_RETRY_SECONDS = 5;

export class FairLimit {
  readonly #opts: FairLimitOptions;
  #running = 0;
  #queued = 0;
  readonly #runningByKey = new Map<string, number>();
  /** When each key running or waiting last got a slot (a sequence number), to break ties. */
  readonly #lastStart = new Map<string, number>();
  #seq = 0;
  /** Waiting calls per key; a Map keeps the order in which keys started waiting. */
  readonly #queues = new Map<string, Waiter[]>();

  constructor(opts: FairLimitOptions) {
    this.#opts = opts;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queued;
  }

  async run<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.#running >= this.#opts.concurrency || this.#queued > 0) await this.#wait(key, signal);
    else this.#take(key);
    try {
      return await fn();
    } finally {
      this.#release(key);
    }
  }

  #wait(key: string, signal?: AbortSignal): Promise<void> {
    const queue = this.#queues.get(key) ?? [];
    if (queue.length >= this.#opts.maxQueuedPerKey) {
      return Promise.reject(
        new EstatError(
          "busy",
          `Too many e-Stat calls are already waiting for you (${queue.length}). Wait for them to finish, then retry in ${BUSY_RETRY_SECONDS} s.`,
        ),
      );
    }
    if (this.#queued >= this.#opts.maxQueued) {
      return Promise.reject(
        new EstatError(
          "busy",
          `This server is busy with other e-Stat calls (${this.#queued} waiting). Retry in ${BUSY_RETRY_SECONDS} s.`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => waiter.abandon();
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener("abort", onAbort);
          this.#take(key);
          resolve();
        },
        abandon: () => {
          const q = this.#queues.get(key);
          const i = q?.indexOf(waiter) ?? -1;
          if (!q || i < 0) return;
          q.splice(i, 1);
          this.#queued -= 1;
          if (q.length === 0) this.#queues.delete(key);
          reject(new EstatError("aborted", "The request was cancelled while waiting for e-Stat."));
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      queue.push(waiter);
      this.#queues.set(key, queue);
      this.#queued += 1;
    });
  }

  #take(key: string) {
    this.#running += 1;
    this.#lastStart.set(key, ++this.#seq);
    this.#runningByKey.set(key, (this.#runningByKey.get(key) ?? 0) + 1);
  }

  #release(key: string) {
    this.#running -= 1;
    const left = (this.#runningByKey.get(key) ?? 1) - 1;
    if (left > 0) this.#runningByKey.set(key, left);
    else this.#runningByKey.delete(key);
    this.#dispatch();
    if (!this.#runningByKey.has(key) && !this.#queues.has(key)) this.#lastStart.delete(key);
  }

  #dispatch() {
    while (this.#running < this.#opts.concurrency && this.#queued > 0) {
      // The waiting key with the fewest calls running; among equals, the one served longest ago.
      let pick: string | undefined;
      let best = [Infinity, Infinity];
      for (const key of this.#queues.keys()) {
        const rank = [this.#runningByKey.get(key) ?? 0, this.#lastStart.get(key) ?? 0];
        if (rank[0] < best[0] || (rank[0] === best[0] && rank[1] < best[1])) {
          best = rank;
          pick = key;
        }
      }
      if (pick === undefined) return;
      const queue = this.#queues.get(pick) as Waiter[];
      const waiter = queue.shift() as Waiter;
      this.#queued -= 1;
      if (queue.length === 0) this.#queues.delete(pick);
      waiter.start();
    }
  }
}

/**
 * Drops answers whose clients stopped reading. A rendered answer sits in the socket's write buffer
 * until the client reads it; a client that never reads pins it for as long as the connection lives
 * (issue 9: 40 such clients asking for 10,000-row answers held ~290 MB). Every in-flight response is
 * watched by one sweep: what it still buffers (`writableLength`) and whether the client took any bytes
 * since the last look. A response may buffer more than `maxBufferedBytes` only while its client keeps
 * reading; one that makes no progress for `overLimitMs` above that bound, or for `stallMs` at all, has
 * its socket destroyed, and so does the most stalled one while all of them together buffer more than
 * `totalBufferedBytes`. Answers queued behind others on a pipelining connection count too. Idle streams (nothing buffered, such as an SSE answer waiting on its tool)
 * are never dropped here.
 */
import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type Koa from "koa";

export interface SlowReaderOptions {
  /** Bytes one response may keep buffered while its client reads nothing (RESPONSE_BUFFER_MAX_BYTES). */
  maxBufferedBytes: number;
  /** Bytes all responses together may keep buffered (RESPONSE_BUFFER_TOTAL_BYTES). */
  totalBufferedBytes: number;
  /** A response with anything buffered whose client took nothing for this long is dropped (RESPONSE_STALL_MS). */
  stallMs: number;
  /** No progress for this long while above maxBufferedBytes drops it. Default 1000. */
  overLimitMs?: number;
  /** How often the sweep looks. Default 250. */
  tickMs?: number;
  /** Told about each dropped response (for the log). */
  onDrop?: (info: { buffered: number; stalledMs: number; reason: "over_limit" | "stalled" | "total" }) => void;
}

interface Watched {
  res: ServerResponse;
  socket: Socket;
  delivered: number;
  lastProgress: number;
}

export interface SlowReaderGuard {
  middleware: Koa.Middleware;
  /** Starts watching one response until it finishes or closes. */
  watch(res: ServerResponse): void;
  stats(): { watched: number; buffered: number; dropped: number };
  close(): void;
}

/** Bytes the client has taken: written minus still buffered. */
const deliveredOf = (s: Socket) => s.bytesWritten - s.writableLength;

export function createSlowReaderGuard(opts: SlowReaderOptions): SlowReaderGuard {
  const overLimitMs = opts.overLimitMs ?? 1000;
  const tickMs = opts.tickMs ?? 250;
  const watched = new Set<Watched>();
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;

  const drop = (w: Watched, reason: "over_limit" | "stalled" | "total", now: number) => {
    watched.delete(w);
    dropped++;
    opts.onDrop?.({ buffered: w.res.writableLength, stalledMs: Math.round(now - w.lastProgress), reason });
    w.socket.destroy();
  };

  const sweep = () => {
    const now = performance.now();
    let total = 0;
    const stalled: Watched[] = [];
    for (const w of watched) {
      // Already dropped with another answer queued on the same connection.
      if (w.socket.destroyed) {
        watched.delete(w);
        continue;
      }
      const buffered = w.res.writableLength;
      const delivered = deliveredOf(w.socket);
      if (buffered === 0 || delivered > w.delivered) {
        w.delivered = delivered;
        w.lastProgress = now;
        total += buffered;
        continue;
      }
      const stalledMs = now - w.lastProgress;
      if ((buffered > opts.maxBufferedBytes && stalledMs >= overLimitMs) || stalledMs >= opts.stallMs) {
        drop(w, buffered > opts.maxBufferedBytes ? "over_limit" : "stalled", now);
        continue;
      }
      total += buffered;
      if (stalledMs >= tickMs) stalled.push(w);
    }
    // Over the total: the longest-stalled go first; clients that are reading are left alone.
    stalled.sort((a, b) => a.lastProgress - b.lastProgress);
    for (const w of stalled) {
      if (total <= opts.totalBufferedBytes) break;
      if (w.socket.destroyed) continue;
      total -= w.res.writableLength;
      drop(w, "total", now);
    }
    if (watched.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  const watch = (res: ServerResponse) => {
    // A pipelined request's response has no socket until the ones before it finish: it buffers its
    // whole output meanwhile (outputSize, part of writableLength). Its connection is the request's.
    const socket = res.socket ?? res.req.socket;
    if (!socket || res.writableFinished) return;
    // No real socket (the Lambda adapter's response, whose bytes go to the runtime's stream with its own
    // flow control): nothing here measures it, and a sum with undefined would drop every answer.
    if (typeof socket.bytesWritten !== "number" || typeof res.writableLength !== "number") return;
    const w: Watched = { res, socket, delivered: deliveredOf(socket), lastProgress: performance.now() };
    watched.add(w);
    const done = () => watched.delete(w);
    res.once("finish", done);
    res.once("close", done);
    if (!timer) {
      timer = setInterval(sweep, tickMs);
      timer.unref();
    }
  };

  return {
    watch,
    middleware: (ctx, next) => {
      watch(ctx.res);
      return next();
    },
    stats: () => {
      let buffered = 0;
      for (const w of watched) buffered += w.res.writableLength;
      return { watched: watched.size, buffered, dropped };
    },
    close: () => {
      if (timer) clearInterval(timer);
      timer = undefined;
      watched.clear();
    },
  };
}

/**
 * One error model, Koa's: an error is public (its message is written for the caller, a person or a model,
 * and may be shown as is) when it carries `expose: true` and a numeric `status`, the HTTP status that fits
 * it. Recognised by that shape, never by class identity: the lake is imported lazily (lake/lazy.ts), and
 * under tsx's require path that import can load a second copy of a class, so `instanceof` would miss it.
 */
export interface PublicError extends Error {
  readonly status: number;
  readonly expose: true;
}

export function isPublicError(err: unknown): err is PublicError {
  if (!(err instanceof Error)) return false;
  const e = err as Partial<PublicError>;
  return e.expose === true && typeof e.status === "number";
}

/** The HTTP status that fits a tool failure on the plain-HTTP face: a public error's own, else 500. */
export function statusFor(err: unknown): number {
  return isPublicError(err) ? err.status : 500;
}

/** A tool ran past its deadline (504); the message says what to do next. */
export class ToolTimeoutError extends Error {
  override name = "ToolTimeoutError";
  readonly status = 504;
  readonly expose = true;
}

/** The caller went away (closed the connection, cancelled the request) before the tool finished: 499. */
export class ToolCancelledError extends Error {
  override name = "ToolCancelledError";
  readonly status = 499;
  readonly expose = true;
}

/** Never let a secret out: replace every occurrence of each secret in a text. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // includes() first: nearly every text holds no secret, and split() allocates even when it finds none.
  for (const s of secrets) if (s && s.length >= 4 && out.includes(s)) out = out.split(s).join("[REDACTED]");
  return out;
}

/** Input values at least this long are echoed shortened: every secret we hold is longer (keys ≥ 16). */
const ECHO_MAX = 15;

/**
 * Every string the caller sent, long enough to be a secret, as it may be echoed in a message. Echoes are
 * shortened whether or not they equal a secret: if an exact guess of the appId came back as
 * [REDACTED] and a wrong one as itself, the redaction would confirm the guess.
 */
function shortenEchoes(text: string, input: unknown): string {
  const strings: string[] = [];
  const walk = (v: unknown, depth: number) => {
    if (typeof v === "string") {
      if (v.length > ECHO_MAX) strings.push(v);
    } else if (v && typeof v === "object" && depth < 8) {
      for (const [k, x] of Object.entries(v)) {
        walk(k, depth + 1);
        walk(x, depth + 1);
      }
    }
  };
  walk(input, 0);
  let out = text;
  // Longest first, so a value inside another is not cut twice.
  for (const v of strings.sort((a, b) => b.length - a.length)) out = out.split(v).join(`${v.slice(0, 12)}…`);
  return out;
}

/**
 * The message a caller sees for a failed tool: public errors as written, with the caller's own long
 * values shortened and secrets scrubbed; others generic.
 */
export function toolErrorMessage(err: unknown, secrets: readonly string[], input?: unknown): string {
  return isPublicError(err)
    ? publicText(err.message, secrets, input)
    : "Internal error while running the tool; it has been logged.";
}

/** A text for the caller that may quote what it sent: its long values shortened, secrets scrubbed. */
export function publicText(text: string, secrets: readonly string[], input?: unknown): string {
  return redact(shortenEchoes(text, input), secrets);
}

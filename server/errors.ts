import { EstatError } from "./estat/errors.ts";
import { InputError } from "./estat/service.ts";

// Lake errors are recognised by name, not class: the lake is imported lazily (lake/lazy.ts), and when the
// test runner loads modules through tsx's require path, that dynamic import gets a second copy of the
// class (seen: `instanceof LakeError` failed in the suite), so `instanceof` would miss them.

/** An error whose message is written for the caller (a person or a model) and may be shown as is. */
export function isPublicError(err: unknown): err is Error {
  return (
    err instanceof EstatError ||
    err instanceof InputError ||
    (err instanceof Error && (err.name === "LakeError" || err.name === "ToolTimeoutError"))
  );
}

/** The HTTP status that fits a tool failure on the plain-HTTP face. */
export function statusFor(err: unknown): number {
  if (err instanceof InputError) return 400;
  if (err instanceof EstatError) {
    switch (err.kind) {
      case "parameter":
        return 400;
      case "not_found":
        return 404;
      case "no_app_id":
      case "unavailable":
      case "busy":
        return 503;
      case "timeout":
        return 504;
      case "aborted":
        return 499;
      default:
        return 502;
    }
  }
  if (err instanceof Error && err.name === "ToolTimeoutError") return 504;
  if (err instanceof Error && err.name === "LakeError") return (err as { status?: number }).status ?? 503;
  return 500;
}

export class ToolTimeoutError extends Error {
  override name = "ToolTimeoutError";
}

/** Never let a secret out: replace every occurrence of each secret in a text. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[REDACTED]");
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

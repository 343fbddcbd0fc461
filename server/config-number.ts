/**
 * A number read from the environment, for server/config.ts and server/config-oauth.ts (which parse what
 * config.ts read; neither this module nor they touch process.env themselves). Unlike `z.coerce.number()`, an
 * empty or non-numeric value is an error naming the accepted range: `PORT=` would otherwise coerce to 0 (a
 * random port), `LAKE_MAX_MB=` to 0 (no quota at all).
 */
import { z } from "zod";

export function num<F extends number | undefined>(
  fallback: F,
  { min = 1, max, whole = true, orEqual = whole }: { min?: number; max?: number; whole?: boolean; orEqual?: boolean } = {},
) {
  const kind = whole ? "a whole number" : "a number";
  // Fractional values (CACHE_MAX_MB) must be above `min` unless `orEqual` (LAKE_MAX_MB, where 0 = no limit).
  const low = orEqual ? `${min} or more` : `greater than ${min}`;
  const range = max === undefined ? low : orEqual ? `from ${min} to ${max}` : `${low}, at most ${max}`;
  return z
    .string()
    .optional()
    .transform((s, ctx): number | F => {
      if (s === undefined) return fallback;
      const n = (whole ? /^\s*\d+\s*$/ : /^\s*\d+(\.\d+)?\s*$/).test(s) ? Number(s) : Number.NaN;
      if ((orEqual ? n >= min : n > min) && (max === undefined || n <= max)) return n;
      ctx.addIssue({ code: "custom", message: `expected ${kind} ${range}, got ${s === "" ? "an empty value" : JSON.stringify(s)}` });
      return z.NEVER;
    });
}

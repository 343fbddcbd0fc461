import { z } from "zod";

/**
 * The zod pieces every config slice is written with. Stack config values arrive as strings (Pulumi
 * config), so booleans and numbers are parsed from text, and every message says what is accepted.
 */
export const bool = z
  .enum(["true", "false"], { error: "must be true or false" })
  .transform((v) => v === "true");

export const int = (min: number, max: number) =>
  z.coerce
    .number({ error: "must be a whole number" })
    .int({ error: "must be a whole number" })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

/** A choice among `values`, whose message lists them (or says `hint` when given). */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, hint?: string) =>
  z.enum(values, { error: hint ?? `must be one of: ${values.join(", ")}` });

/** The context a slice's cross-key check reports into (zod's superRefine context). */
export type CheckContext = z.RefinementCtx;

/**
 * One deploy target's part of the stack configuration: its own keys, their defaults (as config
 * strings), and the checks that span several keys. stacks/config.ts adds the common keys and the
 * `target` discriminator.
 */
export interface TargetSlice<T extends string, S extends z.ZodRawShape> {
  target: T;
  /** One sentence for `pulumi config set estat-mcp:target` messages. */
  description: string;
  shape: S;
  defaults: Record<string, string>;
  /** Secret config keys of this target beyond estatAppId and apiKeys (`pulumi config set --secret`). */
  secretKeys?: readonly string[];
  /** Checks across keys; each issue names the key it is about (`path: [key]`). */
  check?: (c: z.infer<z.ZodObject<S>>, ctx: CheckContext) => void;
}

/** Reports an issue on `key` when `cond` holds; the message says what to set. */
export type Need = (cond: boolean, key: string, message: string) => void;

/** A slice's `check` from cross-key rules written as `need(cond, key, message)` calls, in that order. */
export function needs<C>(rules: (c: C, need: Need) => void): (c: C, ctx: CheckContext) => void {
  return (c, ctx) =>
    rules(c, (cond, key, message) => {
      if (cond) ctx.addIssue({ code: "custom", path: [key], message });
    });
}

export function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

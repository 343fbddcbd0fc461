/**
 * query_dataset over one Parquet file: validate against the manifest, read only the needed columns one
 * row group at a time (hyparquet's parquetScan), filter, group and aggregate on the fly. Memory holds one
 * row group of the needed columns plus the result, bounded by `limit` or by `maxGroups` (past it the
 * query stops with an error saying how to narrow it). The signal is checked between row groups and
 * every few thousand rows, so a cancelled or timed-out query stops working.
 */
import type { AsyncBuffer } from "hyparquet";
import { parquetScan } from "hyparquet";
import { LakeError } from "./errors.ts";
import { DEFAULT_LIMIT, DEFAULT_MAX_GROUPS, MAX_LIMIT } from "./limits.ts";
import { cancelled } from "./query-gate.ts";
import type { AggregateFn, Manifest, Query, QueryResult, Row, Scalar, WhereCondition } from "./types.ts";

export { DEFAULT_LIMIT, MAX_LIMIT };
const OPERATORS = ["gte", "lte"];
/** Rows between two looks at the signal inside a row group. */
const CHECK_EVERY = 4096;
const AGGREGATES: AggregateFn[] = ["sum", "avg", "min", "max", "count"];

type Value = string | number | null;
type Predicate = (v: Value) => boolean;

interface Plan {
  output: string[];
  needed: string[];
  predicates: [string, Predicate][];
  groupBy?: string[];
  /** groupBy as the caller wrote it (for messages). */
  groupAsked?: string[];
  aggregates?: { fn: AggregateFn; column: string; name: string }[];
  orderBy: { column: string; desc: boolean }[];
  limit: number;
}

function unknownColumn(name: string, where: string, valid: string[]): LakeError {
  return new LakeError(`Unknown column "${name}" in ${where}. Valid columns: ${valid.join(", ")}.`, 400);
}

function compilePredicate(column: string, type: "string" | "double", cond: WhereCondition): Predicate {
  const conv = (x: Scalar): string | number => {
    if (type === "string") return String(x);
    const n = typeof x === "number" ? x : Number(x);
    if (!Number.isFinite(n))
      throw new LakeError(`where.${column} compares a number column with "${x}"; give a number.`, 400);
    return n;
  };
  if (Array.isArray(cond)) {
    if (cond.length === 0)
      throw new LakeError(`where.${column} is an empty list; give at least one value.`, 400);
    const set = new Set<Value>(cond.map(conv));
    return (v) => v !== null && set.has(v);
  }
  if (cond !== null && typeof cond === "object") {
    // Own keys, __proto__ included (JSON.parse makes it an own key): none may be dropped silently.
    const unknown = Object.keys(cond).filter((k) => !OPERATORS.includes(k));
    if (unknown.length) {
      throw new LakeError(
        `where.${column} has unknown operator${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}. ` +
          `Operators: ${OPERATORS.join(", ")} (both inclusive), e.g. {"gte": 2000, "lte": 2010}; or give a value or a list of values.`,
        400,
      );
    }
    const { gte, lte } = cond;
    if (gte === undefined && lte === undefined) {
      throw new LakeError(`where.${column} must be a value, a list of values or { gte, lte }.`, 400);
    }
    const lo = gte === undefined ? undefined : conv(gte);
    const hi = lte === undefined ? undefined : conv(lte);
    return (v) => v !== null && (lo === undefined || v >= lo) && (hi === undefined || v <= hi);
  }
  if (typeof cond !== "string" && typeof cond !== "number") {
    throw new LakeError(`where.${column} must be a value, a list of values or { gte, lte }.`, 400);
  }
  const want = conv(cond);
  return (v) => v === want;
}

export function planQuery(manifest: Manifest, q: Query): Plan {
  const types = new Map(manifest.columns.map((c) => [c.name, c.type]));
  const valid = manifest.columns.map((c) => c.name);
  const check = (name: string, where: string) => {
    if (!types.has(name)) throw unknownColumn(name, where, valid);
  };
  const limit = q.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new LakeError(`limit must be an integer from 1 to ${MAX_LIMIT} (got ${q.limit}).`, 400);
  }
  const predicates: [string, Predicate][] = [];
  // Object.keys lists an own "__proto__" too; it is not a column, so check() rejects it by name.
  for (const [column, cond] of Object.entries(q.where ?? {})) {
    check(column, "where");
    predicates.push([column, compilePredicate(column, types.get(column)!, cond)]);
  }
  const needed = new Set(predicates.map(([c]) => c));
  const aggregating = Boolean(q.groupBy?.length || (q.aggregate && Object.keys(q.aggregate).length));
  let output: string[];
  let aggregates: Plan["aggregates"];
  let groupBy: string[] | undefined;
  if (aggregating) {
    for (const c of q.groupBy ?? []) check(c, "groupBy");
    // A code column brings its label along (area → area, areaName): the same groups, since a code has one
    // label, and rows a reader can tell apart where labels collide (two 府中市) and read where they do not.
    groupBy = (q.groupBy ?? []).flatMap((c) => {
      const label = `${c}Name`;
      return types.has(label) && !q.groupBy!.includes(label) ? [c, label] : [c];
    });
    for (const c of groupBy) needed.add(c);
    aggregates = [];
    for (const [fn, column] of Object.entries(q.aggregate ?? {}) as [AggregateFn, string][]) {
      if (!AGGREGATES.includes(fn)) {
        throw new LakeError(`Unknown aggregate "${fn}". Supported: ${AGGREGATES.join(", ")}.`, 400);
      }
      if (column === "*" && fn === "count") {
        aggregates.push({ fn, column, name: "count" });
        continue;
      }
      check(column, `aggregate.${fn}`);
      if ((fn === "sum" || fn === "avg") && types.get(column) !== "double") {
        const numeric = manifest.columns.filter((c) => c.type === "double").map((c) => c.name);
        throw new LakeError(
          `aggregate.${fn} needs a number column, not "${column}". Number columns: ${numeric.join(", ")}.`,
          400,
        );
      }
      needed.add(column);
      aggregates.push({ fn, column, name: `${fn}_${column}` });
    }
    output = [...groupBy, ...aggregates.map((a) => a.name)];
    if (new Set(output).size !== output.length) throw new LakeError("groupBy lists a column twice.", 400);
  } else {
    output = q.columns?.length ? q.columns : valid;
    for (const c of output) {
      check(c, "columns");
      needed.add(c);
    }
  }
  const orderBy = (q.orderBy ?? []).map((o) => ({ column: o.column, desc: Boolean(o.desc) }));
  for (const o of orderBy) {
    if (aggregating) {
      if (!output.includes(o.column)) {
        throw new LakeError(
          `orderBy "${o.column}" is not a result column. Result columns: ${output.join(", ")}.`,
          400,
        );
      }
    } else {
      check(o.column, "orderBy");
      needed.add(o.column);
    }
  }
  return {
    output,
    needed: valid.filter((c) => needed.has(c)),
    predicates,
    groupBy,
    groupAsked: aggregating ? (q.groupBy ?? []) : undefined,
    aggregates,
    orderBy,
    limit,
  };
}

/** Nulls last in both directions; numbers numerically; strings by code point (stable across locales). */
function comparator(orderBy: Plan["orderBy"]): (a: Row, b: Row) => number {
  return (a, b) => {
    for (const { column, desc } of orderBy) {
      const x = a[column] ?? null;
      const y = b[column] ?? null;
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      const c = x < y ? -1 : 1;
      return desc ? -c : c;
    }
    return 0;
  };
}

interface GroupState {
  key: Value[];
  acc: { sum: number; n: number; min: Value; max: Value }[];
}

function finalValue(fn: AggregateFn, acc: GroupState["acc"][number]): Value {
  switch (fn) {
    case "count":
      return acc.n;
    case "sum":
      return acc.n ? acc.sum : null;
    case "avg":
      return acc.n ? acc.sum / acc.n : null;
    case "min":
      return acc.min;
    case "max":
      return acc.max;
  }
}

export interface RunOptions {
  /** Stops the scan (between row groups and every few thousand rows) with a 499 LakeError. */
  signal?: AbortSignal;
  /** Groups one query may hold; default DEFAULT_MAX_GROUPS. */
  maxGroups?: number;
}

function tooManyGroups(plan: Plan, maxGroups: number): LakeError {
  return new LakeError(
    `groupBy ${plan.groupAsked!.join(", ")} makes more than ${maxGroups} groups, more than one query may hold. ` +
      "Narrow it: add a where filter (e.g. one time or a few areas), or group by fewer or coarser columns.",
    400,
  );
}

export async function runQuery(
  manifest: Manifest,
  file: AsyncBuffer,
  q: Query,
  opts: RunOptions = {},
): Promise<QueryResult> {
  const plan = planQuery(manifest, q);
  const { signal } = opts;
  const maxGroups = opts.maxGroups ?? DEFAULT_MAX_GROUPS;
  const stop = () => {
    if (signal?.aborted) throw cancelled(signal);
  };
  stop();
  const scan = await parquetScan({ file, columns: plan.needed });
  const cmp = plan.orderBy.length ? comparator(plan.orderBy) : undefined;
  const groups = new Map<string, GroupState>();
  let matched: Row[] = [];
  let matches = 0;
  let scannedRows = 0;

  ranges: for (const range of scan.ranges) {
    const cols: Record<string, ArrayLike<unknown>> = {};
    for (const column of plan.needed) {
      stop();
      cols[column] = await scan.readColumn({ column, rowStart: range.rowStart, rowEnd: range.rowEnd });
    }
    stop();
    const n = range.rowEnd - range.rowStart;
    scannedRows += n;
    const preds = plan.predicates.map(([c, p]) => [cols[c], p] as const);
    nextRow: for (let i = 0; i < n; i++) {
      if (i % CHECK_EVERY === CHECK_EVERY - 1) stop();
      for (const [data, p] of preds) if (!p((data[i] ?? null) as Value)) continue nextRow;
      if (plan.aggregates) {
        const key = plan.groupBy!.map((c) => (cols[c][i] ?? null) as Value);
        const k = JSON.stringify(key);
        let g = groups.get(k);
        if (!g) {
          if (groups.size >= maxGroups) throw tooManyGroups(plan, maxGroups);
          g = { key, acc: plan.aggregates.map(() => ({ sum: 0, n: 0, min: null, max: null })) };
          groups.set(k, g);
        }
        for (let a = 0; a < plan.aggregates.length; a++) {
          const { column } = plan.aggregates[a];
          const acc = g.acc[a];
          if (column === "*") {
            acc.n++;
            continue;
          }
          const v = (cols[column][i] ?? null) as Value;
          if (v === null) continue;
          acc.n++;
          if (typeof v === "number") acc.sum += v;
          if (acc.min === null || v < acc.min) acc.min = v;
          if (acc.max === null || v > acc.max) acc.max = v;
        }
        continue;
      }
      matches++;
      const row: Row = {};
      for (const c of cmp ? plan.needed : plan.output) row[c] = (cols[c][i] ?? null) as Value;
      matched.push(row);
      if (!cmp && matched.length > plan.limit) break ranges;
      // Top-k: keep the buffer bounded by sorting and trimming now and then.
      if (cmp && matched.length >= Math.max(2 * plan.limit, 4096))
        matched = matched.sort(cmp).slice(0, plan.limit);
    }
  }

  let rows: Row[];
  if (plan.aggregates) {
    if (groups.size === 0 && plan.groupBy!.length === 0) {
      groups.set("[]", { key: [], acc: plan.aggregates.map(() => ({ sum: 0, n: 0, min: null, max: null })) });
    }
    rows = [...groups.values()].map((g) => {
      const row: Row = {};
      plan.groupBy!.forEach((c, j) => {
        row[c] = g.key[j];
      });
      plan.aggregates!.forEach(({ fn, name }, a) => {
        row[name] = finalValue(fn, g.acc[a]);
      });
      return row;
    });
    // Without orderBy, groups come out sorted by their keys, so results are stable.
    rows.sort(cmp ?? comparator(plan.groupBy!.map((column) => ({ column, desc: false }))));
    matches = rows.length;
  } else {
    if (cmp) matched.sort(cmp);
    rows = matched;
    if (!cmp) matches = matched.length;
  }
  const truncated = matches > plan.limit;
  rows = rows.slice(0, plan.limit);
  if (!plan.aggregates && cmp) {
    rows = rows.map((r) => Object.fromEntries(plan.output.map((c) => [c, r[c]])));
  }
  return { columns: plan.output, rows, truncated, scannedRows };
}

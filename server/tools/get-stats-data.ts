import { z } from "zod";
import type { DataPage, ResolvedFilters, TableMeta } from "../estat/service.ts";
import { MAX_LIMIT } from "../lake/limits.ts";
import { defineTool, READ_ONLY, type ToolDeps } from "./registry.ts";
import { markdownTable, pageHint, rawSaysMore, rowsForText, STALE_NOTE } from "./render.ts";
import { Filters, Row, StatsDataId } from "./schemas.ts";

export function getStatsDataTool(deps: ToolDeps) {
  return defineTool({
    name: "get_stats_data",
    title: "Read rows of an e-Stat table",
    description:
      "Read values of an e-Stat table as rows: one column per dimension code (tab, time, area, cat01…) with its label " +
      "(areaName…), unit, value (a number, or null where e-Stat shows a symbol such as -, X or ***; see notes) and raw. " +
      'Filter with codes or names from get_meta_info, e.g. statsDataId "0003445078", filters {"area": "東京都", ' +
      '"cat01": "女"}. Page with startPosition=nextPosition. For whole tables use save_dataset.',
    inputSchema: z.object({
      statsDataId: StatsDataId,
      filters: Filters.optional(),
      limit: z.number().int().min(1).max(10_000).default(100).describe("Rows per page (max 10000)"),
      startPosition: z.number().int().min(1).optional(),
    }),
    outputSchema: z.object({
      statsDataId: z.string(),
      title: z.string(),
      total: z.number(),
      nextPosition: z.number().optional(),
      rows: z.array(Row),
      notes: z.record(z.string(), z.string()),
      source: z.enum(["estat", "lake"]),
      stale: z.boolean().optional(),
    }),
    annotations: READ_ONLY,
    async run(args, ctx) {
      const meta = await deps.estat.meta(args.statsDataId, ctx.signal);
      const resolved = deps.estat.resolveFilters(meta, args.filters);
      const page =
        (await fromLake(deps, meta, resolved, args)) ??
        (await deps.estat.data(meta, resolved, {
          limit: args.limit,
          startPosition: args.startPosition,
          signal: ctx.signal,
        }));
      const stale = page.stale || meta.stale;
      const shown = rowsForText(page.rows, meta.dimensions.map((d) => d.id));
      const columns = [
        ...meta.dimensions.map((d) => ({ key: `${d.id}Name`, label: d.name })),
        { key: "value", label: "value" },
        { key: "unit", label: "unit" },
        ...(rawSaysMore(shown) ? [{ key: "raw", label: "raw" }] : []),
      ];
      const noteLine = Object.entries(page.notes)
        .map(([k, v]) => `${k}: ${v}`)
        .join("; ");
      const text = [
        `${meta.table.title} (${args.statsDataId})`,
        page.rows.length === 0
          ? "No rows match these filters. Check the codes with get_meta_info."
          : markdownTable(columns, shown),
        pageHint(page.nextPosition, page.total, page.rows.length),
        ...(noteLine ? [`Symbols: ${noteLine}`] : []),
        ...(stale ? [STALE_NOTE] : []),
      ].join("\n");
      return {
        structured: {
          statsDataId: args.statsDataId,
          title: meta.table.title,
          total: page.total,
          ...(page.nextPosition ? { nextPosition: page.nextPosition } : {}),
          rows: page.rows,
          notes: page.notes,
          source: page.source,
          ...(stale ? { stale: true } : {}),
        },
        text,
      };
    },
  });
}

/**
 * The page from the data lake when a current stored dataset covers the request: one saved with these
 * very filters, or the whole table (filtered here by code). Anything the lake cannot answer exactly
 * (level and range filters on the whole table, pages past the query limit, a failing store) goes to e-Stat.
 */
async function fromLake(
  deps: ToolDeps,
  meta: TableMeta,
  resolved: ResolvedFilters,
  args: { statsDataId: string; limit: number; startPosition?: number },
): Promise<(DataPage & { source: "lake" }) | undefined> {
  const offset = (args.startPosition ?? 1) - 1;
  if (offset + args.limit > MAX_LIMIT) return undefined;
  const updated = meta.table.updatedDate || undefined;
  try {
    let manifest = await deps.lake.findCurrent(args.statsDataId, resolved.normalized, updated);
    let where: Record<string, string[]> = {};
    if (!manifest) {
      const plain = Object.keys(resolved.normalized).every((k) => meta.dimensions.some((d) => d.id === k));
      if (!plain) return undefined;
      manifest = await deps.lake.findCurrent(args.statsDataId, {}, updated);
      where = resolved.normalized;
    }
    if (!manifest) return undefined;
    // Unfiltered, the manifest knows the count; otherwise count the matching rows (a second Parquet read).
    const total =
      Object.keys(where).length === 0
        ? manifest.rows
        : Number((await deps.lake.query(manifest.datasetId, { where, aggregate: { count: "*" } })).rows[0]?.count ?? 0);
    const r = await deps.lake.query(manifest.datasetId, { where, limit: Math.max(1, offset + args.limit) });
    const rows = r.rows.slice(offset);
    const next = offset + args.limit < total ? offset + args.limit + 1 : undefined;
    return { total, nextPosition: next, rows, notes: manifest.notes, bytes: new Uint8Array(), stale: false, source: "lake" };
  } catch (err) {
    deps.onLakeError?.(err);
    return undefined;
  }
}

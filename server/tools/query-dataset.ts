import { z } from "zod";
import { requestContext } from "../context.ts";
import { defineTool, type ToolDeps } from "./registry.ts";
import { filtersText, markdownTable, rawSaysMore, rowsForText } from "./render.ts";
import { DatasetId, refuseProtoKey, Row } from "./schemas.ts";
import { storedDimensions, whereWithCodes } from "./stored-meta.ts";

const Scalar = z.union([z.string().max(200), z.number()]);
const Column = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, "a column name such as area, areaName, value");

/**
 * Unknown range operators pass through to the lake, which rejects them by name (lake/query.ts): zod
 * would drop them silently and the query would run unfiltered. "__proto__" is refused before zod sees
 * it, since zod drops that key from any record whatever the mode (refuseProtoKey, schemas.ts).
 */
const Where = refuseProtoKey(
  z.record(
    Column,
    z.union([Scalar, z.array(Scalar).max(500), z.looseObject({ gte: Scalar.optional(), lte: Scalar.optional() })]),
  ),
  "area, areaName, value",
);

/** Rows a model gets back from one query: enough to read, bounded to keep its context small. */
export const MAX_QUERY_ROWS = 1000;

export function queryDatasetTool(deps: ToolDeps) {
  return defineTool({
    name: "query_dataset",
    title: "Query a stored dataset",
    description:
      "Filter, group and aggregate a dataset stored by save_dataset, read from its Parquet file (only the columns " +
      "needed). Columns are the row fields of get_stats_data: dimension codes (area, time, cat01…), labels (areaName…), " +
      'unit, value, raw. Example: {"datasetId": "0003445078/all", "where": {"cat01": "0", "area": ["13000", "27000"]}, ' +
      '"groupBy": ["area"], "aggregate": {"sum": "value"}, "orderBy": [{"column": "sum_value", "desc": true}]}. ' +
      "Group by codes: a code brings its label along (area gives area and areaName), and labels can repeat " +
      "(two areas named 府中市). " +
      `where takes a value, a list, or {"gte", "lte"}; a dimension column also takes class names ({"cat01": "総数"}). At most ${MAX_QUERY_ROWS} rows come back.`,
    inputSchema: z.object({
      datasetId: DatasetId,
      columns: z.array(Column).max(64).optional(),
      where: Where.optional(),
      groupBy: z.array(Column).max(16).optional(),
      aggregate: z
        .object({
          sum: Column.optional(),
          avg: Column.optional(),
          min: Column.optional(),
          max: Column.optional(),
          count: z.union([Column, z.literal("*")]).optional(),
        })
        .optional(),
      orderBy: z.array(z.object({ column: Column, desc: z.boolean().optional() })).max(8).optional(),
      limit: z.number().int().min(1).max(MAX_QUERY_ROWS).default(100),
    }),
    outputSchema: z.object({
      datasetId: z.string(),
      columns: z.array(z.string()),
      rows: z.array(Row),
      truncated: z.boolean(),
      scannedRows: z.number(),
    }),
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    async run(args, ctx) {
      const { datasetId, ...q } = args;
      const key = requestContext.getStore()?.keyId;
      const manifest = await deps.lake.getManifest(datasetId);
      const ids = manifest?.dimensions.map((d) => d.id) ?? [];
      const byDimension = Object.keys(q.where ?? {}).some((k) => ids.includes(k));
      const where = byDimension ? whereWithCodes(q.where, await storedDimensions(deps.lake, datasetId), datasetId) : q.where;
      const r = await deps.lake.query(datasetId, { ...q, where }, { signal: ctx.signal, key });
      const shown = rowsForText(r.rows, ids);
      const columns = r.columns.filter((c) => c !== "raw" || !r.columns.includes("value") || rawSaysMore(shown));
      const codes = byDimension ? `where ${JSON.stringify(where)} (names resolved to codes). ` : "";
      return {
        structured: { datasetId, ...r },
        text: [
          r.rows.length === 0
            ? `No rows match. Dimension columns (${ids.join(", ") || "area, time, cat01…"}) hold codes, ` +
              `their *Name columns (${ids.map((i) => `${i}Name`).join(", ") || "areaName…"}) hold labels. ` +
              (manifest && Object.keys(manifest.filters).length > 0
                ? `This dataset holds only ${filtersText(manifest.filters)} of the table.`
                : "list_datasets shows what each dataset holds.")
            : markdownTable(
                columns.map((c) => ({ key: c, label: c })),
                shown,
              ),
          `${codes}${r.rows.length} rows${r.truncated ? ` (more matched: raise limit up to ${MAX_QUERY_ROWS}, or aggregate)` : ""}; ${r.scannedRows} rows scanned.`,
        ].join("\n"),
      };
    },
  });
}

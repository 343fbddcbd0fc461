import { z } from "zod";
import { MAX_DOWNLOAD_SECONDS } from "../lake/limits.ts";
import { defineTool, type ToolDeps } from "./registry.ts";
import { markdownTable } from "./render.ts";

const DatasetId = z
  .string()
  .regex(/^\d{10}\/[a-z0-9]{1,32}$/, "a datasetId looks like 0003445078/all; list them with list_datasets")
  .describe('From save_dataset or list_datasets, e.g. "0003445078/all"');

const Scalar = z.union([z.string().max(200), z.number()]);
const Column = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, "a column name such as area, areaName, value");

/** Rows a model gets back from one query: enough to read, bounded to keep its context small. */
export const MAX_QUERY_ROWS = 1000;

export function listDatasetsTool(deps: ToolDeps) {
  return defineTool({
    name: "list_datasets",
    title: "List datasets in the data lake",
    description:
      "List the e-Stat tables stored in the data lake by save_dataset: datasetId, title, rows, columns, filters, " +
      'e-Stat update date and formats. Optionally only one table, e.g. statsDataId "0003445078".',
    inputSchema: z.object({ statsDataId: z.string().regex(/^\d{10}$/, "10 digits").optional() }),
    outputSchema: z.object({
      datasets: z.array(
        z.object({
          datasetId: z.string(),
          statsDataId: z.string(),
          title: z.string(),
          rows: z.number(),
          columns: z.array(z.string()),
          filters: z.record(z.string(), z.array(z.string())),
          updatedDate: z.string().nullable(),
          fetchedAt: z.string(),
          formats: z.array(z.string()),
        }),
      ),
    }),
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false, title: "List stored datasets" },
    async run(args) {
      const manifests = await deps.lake.listDatasets(args.statsDataId);
      const datasets = manifests.map((m) => ({
        datasetId: m.datasetId,
        statsDataId: m.statsDataId,
        title: m.title,
        rows: m.rows,
        columns: m.columns.map((c) => c.name),
        filters: m.filters,
        updatedDate: m.updatedDate,
        fetchedAt: m.fetchedAt,
        formats: m.files.filter((f) => f.role === "data").map((f) => f.format),
      }));
      return {
        structured: { datasets },
        text:
          datasets.length === 0
            ? "The lake holds no datasets yet. Store one with save_dataset."
            : markdownTable(
                [
                  { key: "datasetId", label: "datasetId" },
                  { key: "title", label: "title" },
                  { key: "rows", label: "rows" },
                  { key: "updatedDate", label: "e-Stat update" },
                  { key: "fetchedAt", label: "fetched" },
                ],
                datasets,
              ),
      };
    },
  });
}

export function queryDatasetTool(deps: ToolDeps) {
  return defineTool({
    name: "query_dataset",
    title: "Query a stored dataset",
    description:
      "Filter, group and aggregate a dataset stored by save_dataset, read from its Parquet file (only the columns " +
      "needed). Columns are the row fields of get_stats_data: dimension codes (area, time, cat01…), labels (areaName…), " +
      'unit, value, raw. Example: {"datasetId": "0003445078/all", "where": {"cat01": "0", "area": ["13000", "27000"]}, ' +
      '"groupBy": ["areaName"], "aggregate": {"sum": "value"}, "orderBy": [{"column": "sum_value", "desc": true}]}. ' +
      `where takes a value, a list, or {"gte", "lte"}. At most ${MAX_QUERY_ROWS} rows come back.`,
    inputSchema: z.object({
      datasetId: DatasetId,
      columns: z.array(Column).max(64).optional(),
      where: z
        .record(Column, z.union([Scalar, z.array(Scalar).max(500), z.object({ gte: Scalar.optional(), lte: Scalar.optional() })]))
        .optional(),
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
      rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.null()]))),
      truncated: z.boolean(),
      scannedRows: z.number(),
    }),
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false, title: "Query a stored dataset" },
    async run(args) {
      const { datasetId, ...q } = args;
      const r = await deps.lake.query(datasetId, q);
      return {
        structured: { datasetId, ...r },
        text: [
          markdownTable(
            r.columns.map((c) => ({ key: c, label: c })),
            r.rows,
          ),
          `${r.rows.length} rows${r.truncated ? ` (more matched: raise limit up to ${MAX_QUERY_ROWS}, or aggregate)` : ""}; ${r.scannedRows} rows scanned.`,
        ].join("\n"),
      };
    },
  });
}

export function getDownloadUrlTool(deps: ToolDeps) {
  return defineTool({
    name: "get_download_url",
    title: "Download link for a stored dataset",
    description:
      "A time-limited link to download a stored dataset's file (Parquet by default; csv or json if saved with those " +
      "formats; meta.json / meta.csv for the table's dimensions), for pandas, DuckDB or a spreadsheet. " +
      'Example: {"datasetId": "0003445078/all", "format": "csv"}.',
    inputSchema: z.object({
      datasetId: DatasetId,
      format: z.enum(["parquet", "csv", "json", "meta.json", "meta.csv"]).default("parquet"),
      expiresInSeconds: z.number().int().min(60).max(MAX_DOWNLOAD_SECONDS).default(3600),
    }),
    outputSchema: z.object({ datasetId: z.string(), format: z.string(), url: z.string(), expiresAt: z.string() }),
    annotations: { readOnlyHint: true, idempotentHint: false, openWorldHint: false, title: "Download link" },
    async run(args) {
      const r = await deps.lake.downloadUrl(args.datasetId, args.format, args.expiresInSeconds);
      return {
        structured: { datasetId: args.datasetId, format: args.format, ...r },
        text: `${r.url}\n(expires ${r.expiresAt})`,
      };
    },
  });
}

import { z } from "zod";
import { MAX_DOWNLOAD_SECONDS } from "../lake/limits.ts";
import { defineTool, type ToolDeps } from "./registry.ts";
import { DatasetId } from "./schemas.ts";

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
    annotations: { readOnlyHint: true, idempotentHint: false, openWorldHint: false },
    async run(args) {
      const r = await deps.lake.downloadUrl(args.datasetId, args.format, args.expiresInSeconds);
      return {
        structured: { datasetId: args.datasetId, format: args.format, ...r },
        text: `${r.url}\n(expires ${r.expiresAt})`,
      };
    },
  });
}

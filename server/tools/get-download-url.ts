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
      "On S3 the link is signed with the server's cloud credentials; when those are temporary (a cloud role's " +
      "session, often 1 h) the link cannot outlive them, so expiresInSeconds is cut to what they allow and the result " +
      "says so: expiresAt is always when the link really stops working. Ask again for a fresh link. " +
      'Example: {"datasetId": "0003445078/all", "format": "csv"}.',
    inputSchema: z.object({
      datasetId: DatasetId,
      format: z.enum(["parquet", "csv", "json", "meta.json", "meta.csv"]).default("parquet"),
      expiresInSeconds: z
        .number()
        .int()
        .min(60)
        .max(MAX_DOWNLOAD_SECONDS)
        .default(3600)
        .describe("How long the link should work; S3 links signed with temporary credentials get less (see note)"),
    }),
    outputSchema: z.object({
      datasetId: z.string(),
      format: z.string(),
      url: z.string(),
      expiresAt: z.string().describe("When the link really stops working"),
      expiresInSeconds: z.number().describe("Seconds the link is valid from when it was signed"),
      note: z.string().optional().describe("Why the link is valid for less than asked"),
    }),
    annotations: { readOnlyHint: true, idempotentHint: false, openWorldHint: false },
    async run(args) {
      const r = await deps.lake.downloadUrl(args.datasetId, args.format, args.expiresInSeconds);
      return {
        structured: { datasetId: args.datasetId, format: args.format, ...r },
        text: `${r.url}\n(expires ${r.expiresAt}${r.note ? `; ${r.note}` : ""})`,
      };
    },
  });
}

import { z } from "zod";
import type { Dimension } from "../estat/normalize.ts";
import type { DataFormat, Manifest } from "../lake/index.ts";
import { defineTool, type ToolDeps } from "./registry.ts";
import { bytesText, filtersText } from "./render.ts";
import { Filters, StatsDataId } from "./schemas.ts";
import { type ColumnPage, InputError } from "../estat/service.ts";

const FileOut = z.object({
  format: z.string(),
  name: z.string(),
  /** s3:// location on an S3 lake; a filesystem lake's paths are the server's own and stay out. */
  uri: z.string().optional(),
  bytes: z.number(),
});

export function saveDatasetTool(deps: ToolDeps) {
  return defineTool({
    name: "save_dataset",
    title: "Save a whole e-Stat table to the data lake",
    description:
      "Fetch a whole e-Stat table (every page, past e-Stat's 100,000-row limit per call), optionally narrowed by " +
      "filters as in get_stats_data, and store it in the data lake as Parquet (and CSV/JSON on request). Returns a " +
      "datasetId for query_dataset and get_download_url. A stored dataset with the same filters and e-Stat update date " +
      'is reused unless refresh is true. Example: statsDataId "0003445078", filters {"cat01": "総数"}. Sends progress ' +
      "per page when the client asks for progress.",
    inputSchema: z.object({
      statsDataId: StatsDataId,
      filters: Filters.optional(),
      formats: z
        .array(z.enum(["parquet", "csv", "json"]))
        .min(1)
        .max(3)
        .optional()
        .describe(
          'Files to write; Parquet is always written. e.g. ["parquet", "csv"]. Default: the formats the stored ' +
            "dataset already has (a refresh keeps its CSV), else Parquet only.",
        ),
      refresh: z.boolean().default(false).describe("Fetch again even when the stored dataset is current"),
    }),
    outputSchema: z.object({
      datasetId: z.string(),
      statsDataId: z.string(),
      title: z.string(),
      rows: z.number(),
      updatedDate: z.string().nullable(),
      fetchedAt: z.string(),
      fromLake: z.boolean(),
      files: z.array(FileOut),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    async run(args, ctx) {
      const meta = await deps.estat.meta(args.statsDataId, ctx.signal);
      const resolved = deps.estat.resolveFilters(meta, args.filters);
      // Any stored version, current or not: its formats are the default, so a refresh never drops a CSV.
      const saved = await deps.lake.findCurrent(args.statsDataId, resolved.normalized);
      const savedFormats = saved?.files.filter((f) => f.role === "data").map((f) => f.format) ?? [];
      const formats = [...new Set<DataFormat>(["parquet", ...(args.formats ?? savedFormats)])];
      const updated = meta.table.updatedDate || undefined;
      if (!args.refresh && saved && (updated === undefined || saved.updatedDate === updated)) {
        if (formats.every((f) => savedFormats.includes(f))) return summary(saved, true, meta.dimensions);
      }
      await ctx.progress?.({ progress: 0, message: `Fetching ${args.statsDataId} from e-Stat…` });
      let first: ColumnPage | undefined = await deps.estat.columnPage(meta, resolved, { signal: ctx.signal });
      const { total, notes } = first;
      if (total === 0) {
        throw new InputError(`No rows of ${args.statsDataId} match these filters. Check the codes with get_meta_info.`);
      }
      const pages = deps.estat.columnPages(meta, resolved, { signal: ctx.signal, first });
      // From here the generator alone holds the first page, and lets go of it once the lake has written it.
      // eslint-disable-next-line no-useless-assignment
      first = undefined;
      const manifest = await deps.lake.saveDataset(
        {
          statsDataId: args.statsDataId,
          title: meta.table.title,
          updatedDate: meta.table.updatedDate || undefined,
          totalNumber: total,
          filters: resolved.normalized,
          dimensions: meta.dimensions,
          notes,
          pages: (async function* () {
            for await (const p of pages) yield { body: p.bytes, columns: p.columns };
          })(),
        },
        {
          formats,
          signal: ctx.signal,
          onPage: ({ page, rows, totalRows }) =>
            ctx.progress?.({ progress: rows, total: totalRows, message: `page ${page}: ${rows} of ${totalRows} rows stored` }),
        },
      );
      return summary(manifest, false, meta.dimensions);
    },
  });
}

/** What the user can use: the dataset id, its subset, its files and sizes, and how to get a link (not server paths). */
function summary(m: Manifest, fromLake: boolean, dimensions: Dimension[]) {
  const files = m.files.map((f) => ({
    format: f.format,
    name: f.name,
    ...(f.uri.startsWith("s3://") ? { uri: f.uri } : {}),
    bytes: f.bytes,
  }));
  const data = m.files.filter((f) => f.role === "data");
  return {
    structured: {
      datasetId: m.datasetId,
      statsDataId: m.statsDataId,
      title: m.title,
      rows: m.rows,
      updatedDate: m.updatedDate,
      fetchedAt: m.fetchedAt,
      fromLake,
      files,
    },
    text: [
      `${fromLake ? "Already in the lake (current)" : "Saved"}: ${m.datasetId} — ${m.title}, ${filtersText(m.filters, dimensions)}, ` +
        `${m.rows} rows, e-Stat update ${m.updatedDate ?? "unknown"}.`,
      `Formats: ${data.map((f) => `${f.format} (${bytesText(f.bytes)})`).join(", ")}; metadata: meta.json, meta.csv.`,
      `Query it with query_dataset {"datasetId": "${m.datasetId}"}; for a download link, get_download_url ` +
        `{"datasetId": "${m.datasetId}", "format": "${data.find((f) => f.format !== "parquet")?.format ?? "parquet"}"}.`,
    ].join("\n"),
  };
}

import { z } from "zod";
import type { DataFormat } from "../lake/index.ts";
import { defineTool, type ToolDeps } from "./registry.ts";
import { Filters, StatsDataId } from "./schemas.ts";
import { type ColumnPage, InputError } from "../estat/service.ts";

const FileOut = z.object({ format: z.string(), name: z.string(), uri: z.string(), bytes: z.number() });

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
        .default(["parquet"])
        .describe('Files to write; Parquet is always written. e.g. ["parquet", "csv"]'),
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
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true, title: "Save to the data lake" },
    async run(args, ctx) {
      const meta = await deps.estat.meta(args.statsDataId, ctx.signal);
      const resolved = deps.estat.resolveFilters(meta, args.filters);
      const formats = [...new Set<DataFormat>(["parquet", ...args.formats])];
      if (!args.refresh) {
        const current = await deps.lake.findCurrent(args.statsDataId, resolved.normalized, meta.table.updatedDate || undefined);
        const stored = new Set(current?.files.filter((f) => f.role === "data").map((f) => f.format));
        if (current && formats.every((f) => stored.has(f))) return summary(current, true);
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
      return summary(manifest, false);
    },
  });
}

function summary(m: import("../lake/index.ts").Manifest, fromLake: boolean) {
  const files = m.files.map((f) => ({ format: f.format, name: f.name, uri: f.uri, bytes: f.bytes }));
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
      `${fromLake ? "Already in the lake (current)" : "Saved"}: ${m.datasetId} — ${m.title}, ${m.rows} rows, e-Stat update ${m.updatedDate ?? "unknown"}.`,
      ...files.map((f) => `- ${f.name} (${f.bytes} bytes): ${f.uri}`),
      "Query it with query_dataset, or get a link with get_download_url.",
    ].join("\n"),
  };
}

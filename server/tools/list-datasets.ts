import { z } from "zod";
import { defineTool, type ToolDeps } from "./registry.ts";
import { markdownTable } from "./render.ts";
import { StatsDataId } from "./schemas.ts";

export function listDatasetsTool(deps: ToolDeps) {
  return defineTool({
    name: "list_datasets",
    title: "List datasets in the data lake",
    description:
      "List the e-Stat tables stored in the data lake by save_dataset: datasetId, title, rows, columns, filters, " +
      'e-Stat update date and formats. Optionally only one table, e.g. statsDataId "0003445078".',
    inputSchema: z.object({ statsDataId: StatsDataId.optional() }),
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

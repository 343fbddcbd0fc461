import { z } from "zod";
import { defineTool, type ToolDeps } from "./registry.ts";
import type { Manifest } from "../lake/index.ts";
import { filtersText, markdownTable } from "./render.ts";
import { StatsDataId } from "./schemas.ts";
import { storedDimensions } from "./stored-meta.ts";

export function listDatasetsTool(deps: ToolDeps) {
  return defineTool({
    name: "list_datasets",
    title: "List datasets in the data lake",
    description:
      "List the e-Stat tables stored in the data lake by save_dataset: datasetId, title, rows, columns, filters, " +
      'e-Stat update date and formats. Optionally only one table, e.g. statsDataId "0003445078".',
    inputSchema: z.object({
      statsDataId: StatsDataId.optional(),
      cursor: z
        .string()
        .max(200)
        .optional()
        .describe("nextCursor of the previous answer, for the next page; omit for the first page"),
      limit: z.number().int().min(1).max(200).default(50).describe("Datasets per page"),
    }),
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
      nextCursor: z.string().optional(),
    }),
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    async run(args) {
      const { datasets: manifests, nextCursor } = await deps.lake.listDatasetsPage(args);
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
      const subsets = await Promise.all(manifests.map((m) => subsetText(deps, m)));
      return {
        structured: { datasets, ...(nextCursor ? { nextCursor } : {}) },
        text:
          datasets.length === 0
            ? args.cursor
              ? "No more datasets after this cursor."
              : "The lake holds no datasets yet. Store one with save_dataset."
            : [
                markdownTable(
                  [
                    { key: "datasetId", label: "datasetId" },
                    { key: "title", label: "title" },
                    { key: "subset", label: "subset (filters)" },
                    { key: "rows", label: "rows" },
                    { key: "formats", label: "formats" },
                    { key: "updatedDate", label: "e-Stat update" },
                    { key: "fetchedAt", label: "fetched" },
                  ],
                  datasets.map((d, i) => ({ ...d, subset: subsets[i], formats: d.formats.join(", ") })),
                ),
                ...(nextCursor
                  ? [`More datasets: call list_datasets again with {"cursor": "${nextCursor}"} for the next ${args.limit}.`]
                  : []),
                "Query one with query_dataset; get a file with get_download_url (one of its formats, or meta.json / meta.csv).",
              ].join("\n"),
      };
    },
  });
}

/** Which part of the table a dataset holds, with class labels from its stored metadata where readable. */
async function subsetText(deps: ToolDeps, m: Manifest): Promise<string> {
  if (Object.keys(m.filters).length === 0) return filtersText(m.filters);
  const dimensions = await storedDimensions(deps.lake, m.datasetId).catch(() => []);
  return filtersText(m.filters, dimensions);
}

import { z } from "zod";
import { defineTool, READ_ONLY, type ToolDeps } from "./registry.ts";
import { pageHint, STALE_NOTE } from "./render.ts";
import { StatsCode } from "./schemas.ts";

export function getDataCatalogTool(deps: ToolDeps) {
  return defineTool({
    name: "get_data_catalog",
    title: "Find e-Stat files (Excel, CSV, PDF)",
    description:
      "Search e-Stat's data catalog for published files (Excel, CSV, PDF) and databases, with their download URLs. " +
      'Use it when a table is not available through get_stats_data, e.g. query "家計調査 年報", dataType "XLS".',
    inputSchema: z.object({
      query: z.string().trim().min(1).max(200).optional(),
      statsCode: StatsCode
        .optional(),
      dataType: z.enum(["XLS", "CSV", "PDF", "XML", "XLS_REP", "DB"]).optional(),
      limit: z.number().int().min(1).max(100).default(20),
      startPosition: z.number().int().min(1).optional(),
    }),
    outputSchema: z.object({
      total: z.number(),
      nextPosition: z.number().optional(),
      entries: z.array(
        z.object({
          id: z.string(),
          title: z.string(),
          statName: z.string(),
          govOrg: z.string(),
          landingPage: z.string(),
          updatedDate: z.string(),
          resources: z.array(
            z.object({
              id: z.string(),
              title: z.string(),
              url: z.string(),
              format: z.string(),
              updatedDate: z.string(),
            }),
          ),
        }),
      ),
      stale: z.boolean().optional(),
    }),
    annotations: READ_ONLY,
    async run(args, ctx) {
      const r = await deps.estat.catalog(args, ctx.signal);
      const lines = r.entries.flatMap((e) => [
        `- ${e.title} (${e.statName}, ${e.govOrg})`,
        ...e.resources.slice(0, 5).map((res) => `  - [${res.format}] ${res.title}: ${res.url}`),
        ...(e.resources.length > 5 ? [`  - … ${e.resources.length - 5} more files`] : []),
      ]);
      return {
        structured: {
          total: r.total,
          ...(r.nextPosition ? { nextPosition: r.nextPosition } : {}),
          entries: r.entries,
          ...(r.stale ? { stale: true } : {}),
        },
        text: [
          ...(lines.length > 0 ? lines : ["No catalog entries found. Try broader Japanese keywords."]),
          pageHint(r.nextPosition, r.total, r.entries.length),
          ...(r.stale ? [STALE_NOTE] : []),
        ].join("\n"),
      };
    },
  });
}

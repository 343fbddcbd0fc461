import { z } from "zod";
import { defineTool, READ_ONLY, type ToolDeps } from "./registry.ts";
import { markdownTable, pageHint, STALE_NOTE } from "./render.ts";
import { StatsCode } from "./schemas.ts";

const Table = z.object({
  id: z.string(),
  title: z.string(),
  statName: z.string(),
  govOrg: z.string(),
  surveyDate: z.string(),
  openDate: z.string(),
  cycle: z.string(),
  collectArea: z.string(),
  mainCategory: z.string(),
  subCategory: z.string(),
  totalNumber: z.number(),
  updatedDate: z.string(),
});

export function searchStatsTool(deps: ToolDeps) {
  return defineTool({
    name: "search_stats",
    title: "Search e-Stat tables",
    description:
      "Search Japanese government statistics tables (e-Stat) by keyword, survey year, field or statistics code. " +
      "Returns table ids (statsDataId) for get_meta_info and get_stats_data. Keywords are Japanese, " +
      'e.g. query "人口 都道府県", "消費者物価指数", "労働力調査 完全失業率"; several words are ANDed. ' +
      'surveyYears: "2020", "202001" or a range "2015-2020". statsCode: 8 digits, e.g. "00200521" (国勢調査).',
    inputSchema: z.object({
      query: z.string().trim().min(1).max(200).optional().describe('Keywords, e.g. "人口 男女別"'),
      surveyYears: z
        .string()
        .regex(/^\d{4}(\d{2})?(-\d{4}(\d{2})?)?$/, "use yyyy, yyyymm or yyyy-yyyy")
        .optional()
        .describe('e.g. "2020" or "2015-2020"'),
      statsField: z
        .string()
        .regex(/^\d{2}(\d{2})?$/, "use a 2-digit field or 4-digit subfield code")
        .optional()
        .describe('Field code, e.g. "02" (人口・世帯)'),
      statsCode: StatsCode
        .optional()
        .describe('e.g. "00200521" (国勢調査)'),
      collectArea: z.enum(["1", "2", "3"]).optional().describe("1 全国, 2 都道府県, 3 市区町村"),
      limit: z.number().int().min(1).max(100).default(20),
      startPosition: z.number().int().min(1).optional().describe("From nextPosition of the previous page"),
      lang: z
        .enum(["J", "E"])
        .optional()
        .describe("J (default) or E for English labels where e-Stat has them"),
    }),
    outputSchema: z.object({
      total: z.number(),
      nextPosition: z.number().optional(),
      tables: z.array(Table),
      stale: z.boolean().optional(),
    }),
    annotations: READ_ONLY,
    async run(args, ctx) {
      const r = await deps.estat.search(args, ctx.signal);
      const structured = {
        total: r.total,
        ...(r.nextPosition ? { nextPosition: r.nextPosition } : {}),
        tables: r.tables,
        ...(r.stale ? { stale: true } : {}),
      };
      const text =
        r.tables.length === 0
          ? "No tables found. Try fewer or broader keywords (e-Stat matches Japanese words), or drop surveyYears."
          : [
              markdownTable(
                [
                  { key: "id", label: "statsDataId" },
                  { key: "title", label: "title" },
                  { key: "statName", label: "statistics" },
                  { key: "surveyDate", label: "survey" },
                  { key: "collectArea", label: "area" },
                  { key: "updatedDate", label: "updated" },
                ],
                r.tables,
              ),
              pageHint(r.nextPosition, r.total, r.tables.length),
              ...(r.stale ? [STALE_NOTE] : []),
            ].join("\n");
      return { structured, text };
    },
  });
}

import { z } from "zod";
import { defineTool, READ_ONLY, type ToolDeps } from "./registry.ts";
import { classText, STALE_NOTE } from "./render.ts";
import { StatsDataId } from "./schemas.ts";

/** The most classes one call lists per dimension. */
const MAX_CLASSES = 5000;

/** Exactly how to see the classes a cut list leaves out. */
function restHint(statsDataId: string, d: { id: string; total: number; classes: unknown[] }) {
  const more = `${d.total - d.classes.length} more not shown`;
  if (d.total <= MAX_CLASSES) return `${more}: call get_meta_info with maxClasses=${d.total} to list all`;
  return (
    `${more}, past what one call lists (maxClasses ≤ ${MAX_CLASSES}): filter get_stats_data by name, or ` +
    `save_dataset {"statsDataId": "${statsDataId}"} then get_download_url with format "meta.csv" for every class`
  );
}

const Class = z.object({
  code: z.string(),
  name: z.string(),
  level: z.string(),
  unit: z.string().optional(),
  parentCode: z.string().optional(),
});

export function getMetaInfoTool(deps: ToolDeps) {
  return defineTool({
    name: "get_meta_info",
    title: "Describe an e-Stat table",
    description:
      "Describe a table's dimensions (表章事項 tab, 時間軸 time, 地域 area, 分類 cat01…) and their classes (codes and names), " +
      'to choose filters for get_stats_data. Example: statsDataId "0003445078" (国勢調査 男女別人口) has cat01 男女 ' +
      "(0 総数, 1 男, 2 女) and area (00000 全国, 13000 東京都…). Long class lists are cut at maxClasses per dimension.",
    inputSchema: z.object({
      statsDataId: StatsDataId,
      maxClasses: z
        .number()
        .int()
        .min(1)
        .max(MAX_CLASSES)
        .default(50)
        .describe(`Classes listed per dimension (max ${MAX_CLASSES})`),
    }),
    outputSchema: z.object({
      statsDataId: z.string(),
      title: z.string(),
      statName: z.string(),
      updatedDate: z.string(),
      dimensions: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          total: z.number(),
          classes: z.array(Class),
          truncated: z.boolean(),
        }),
      ),
      stale: z.boolean().optional(),
    }),
    annotations: READ_ONLY,
    async run(args, ctx) {
      const meta = await deps.estat.meta(args.statsDataId, ctx.signal);
      const dimensions = meta.dimensions.map((d) => ({
        id: d.id,
        name: d.name,
        total: d.classes.length,
        classes: d.classes.slice(0, args.maxClasses),
        truncated: d.classes.length > args.maxClasses,
      }));
      const lines = [
        `${meta.table.title} (${meta.table.statName}, ${meta.table.totalNumber} values, updated ${meta.table.updatedDate})`,
        ...dimensions.map(
          (d) =>
            `- ${d.id} ${d.name} (${d.total}): ${d.classes.map(classText).join(", ")}` +
            (d.truncated ? `; ${restHint(args.statsDataId, d)}` : ""),
        ),
        "Filter get_stats_data with these ids as keys and codes or names as values; [unit] is the class's unit.",
        ...(meta.stale ? [STALE_NOTE] : []),
      ];
      return {
        structured: {
          statsDataId: meta.statsDataId,
          title: meta.table.title,
          statName: meta.table.statName,
          updatedDate: meta.table.updatedDate,
          dimensions,
          ...(meta.stale ? { stale: true } : {}),
        },
        text: lines.join("\n"),
      };
    },
  });
}

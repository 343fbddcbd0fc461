import { z } from "zod";
import { defineTool } from "./registry.ts";
import { StatsDataId } from "./schemas.ts";

export function getTableUrlTool() {
  return defineTool({
    name: "get_table_url",
    title: "Link to a table on e-Stat",
    description:
      "The e-Stat web page of a table (statsDataId from search_stats), to cite as a source or open in a browser, " +
      'e.g. "0003445078" → https://www.e-stat.go.jp/dbview?sid=0003445078',
    inputSchema: z.object({ statsDataId: StatsDataId }),
    outputSchema: z.object({ statsDataId: z.string(), url: z.string() }),
    annotations: {
      readOnlyHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    async run({ statsDataId }) {
      const url = `https://www.e-stat.go.jp/dbview?sid=${statsDataId}`;
      return { structured: { statsDataId, url }, text: url };
    },
  });
}

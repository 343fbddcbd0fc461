/**
 * A stored dataset's own metadata (meta.json, written by save_dataset): its dimensions and classes,
 * read from the lake, so lake tools can name classes without asking e-Stat.
 */
import { text } from "node:stream/consumers";
import { isPublicError } from "../errors.ts";
import type { Dimension } from "../estat/normalize.ts";
import { InputError, resolveClass } from "../estat/filters.ts";
import type { Lake, WhereCondition } from "../lake/index.ts";

export async function storedDimensions(lake: Lake, datasetId: string): Promise<Dimension[]> {
  const file = await lake.openDownload(datasetId, "meta.json");
  const meta = JSON.parse(await text(file.stream)) as { dimensions?: Dimension[] };
  return (meta.dimensions ?? []).map((d) => ({
    id: d.id,
    name: d.name,
    classes: d.classes.map((c) => ({ ...c, level: c.level ?? "" })),
  }));
}

/**
 * `where` with class names turned into the codes the dimension columns hold ({"cat01": "総数"} →
 * {"cat01": "0"}), through resolveClass as get_stats_data does: a code, an exact name or a name's
 * last part, never a guess; a name that matches nothing or several classes is an error listing them.
 * Ranges ({gte, lte}) compare codes and are left alone.
 */
export function whereWithCodes(
  where: Record<string, WhereCondition> | undefined,
  dimensions: readonly Dimension[],
  datasetId: string,
): Record<string, WhereCondition> | undefined {
  if (!where) return where;
  const out: Record<string, WhereCondition> = {};
  for (const [column, cond] of Object.entries(where)) {
    const dim = dimensions.find((d) => d.id === column);
    if (!dim || (typeof cond === "object" && !Array.isArray(cond))) {
      out[column] = cond;
      continue;
    }
    const toCode = (v: string | number) => {
      try {
        return resolveClass(dim, String(v)).code;
      } catch (err) {
        if (!(isPublicError(err) && err.status === 400)) throw err;
        throw new InputError(
          `${err.message} In ${datasetId}, "${column}" holds codes and "${column}Name" holds labels.`,
        );
      }
    };
    out[column] = Array.isArray(cond) ? cond.map(toCode) : toCode(cond);
  }
  return out;
}

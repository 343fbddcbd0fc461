/**
 * Filter resolution: the tools' filters (dimension id → codes or class names) turned into e-Stat query
 * parameters through a table's metadata. Names resolve exactly or not at all: a wrong prefecture is
 * worse than an error, so anything short of an exact match is an error that lists the candidates.
 */
import { type ClassInfo, type Dimension, dimensionParam, toArray } from "./normalize.ts";

/** Filters as the tools take them: dimension id → codes or class names; `<dim>Level`, `<dim>From`, `<dim>To`. */
export type Filters = Record<string, string | string[]>;

export interface ResolvedFilters {
  /** e-Stat query parameters (cdArea, lvTime, cdTimeFrom…). */
  params: Record<string, string>;
  /** The same, normalised for keys and storage: dimension key → sorted codes. */
  normalized: Record<string, string[]>;
}

/** A user-fixable problem with a tool's arguments: the message lists what would work. */
export class InputError extends Error {
  override name = "InputError";
  /** A public error (Koa's shape, see server/errors.ts): the caller fixes its arguments. */
  readonly status = 400;
  readonly expose = true;
}

const SUFFIXES = ["Level", "From", "To"] as const;

/** What e-Stat puts between the parts of a label: "北海道 札幌市", "東京都\u3000北区", "B1101_総面積". */
const BOUNDARY = /[ \u3000_]/;

/** Turn codes or class names into e-Stat parameters, through the table's dimensions. */
export function resolveFilters(
  statsDataId: string,
  dimensions: Dimension[],
  filters: Filters = {},
): ResolvedFilters {
  const params: Record<string, string> = {};
  const normalized: Record<string, string[]> = {};
  const ids = dimensions.map((d) => d.id);
  for (const [key, value] of Object.entries(filters).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const suffix = SUFFIXES.find((s) => key.endsWith(s) && ids.includes(key.slice(0, -s.length)));
    const dimId = suffix ? key.slice(0, -suffix.length) : key;
    const dim = dimensions.find((d) => d.id === dimId);
    if (!dim) {
      throw new InputError(
        `Unknown filter "${key}" for table ${statsDataId}. Valid keys: ${ids.join(", ")} ` +
          `(and ${ids.map((i) => `${i}Level`).join(", ")}; ${ids.map((i) => `${i}From/${i}To`).join(", ")}). See get_meta_info.`,
      );
    }
    const values = toArray(value)
      .map((v) => String(v).trim())
      .filter(Boolean);
    if (values.length === 0) throw new InputError(`Filter "${key}" is empty. Give at least one code or name.`);
    if (suffix === "Level") {
      const levels = [...new Set(dim.classes.map((c) => c.level).filter(Boolean))].sort();
      if (values.length !== 1 || (levels.length > 0 && !levels.includes(values[0]))) {
        throw new InputError(`Filter "${key}" takes one level of ${dim.id}: ${levels.join(", ") || "(none listed)"}.`);
      }
      params[dimensionParam("lv", dim.id)] = values[0];
      normalized[key] = values;
      continue;
    }
    const codes = [...new Set(values.map((v) => resolveClass(dim, v).code))].sort();
    if (suffix && codes.length !== 1) throw new InputError(`Filter "${key}" takes exactly one code or name.`);
    params[dimensionParam("cd", dim.id, suffix ?? "")] = codes.join(",");
    normalized[key] = codes;
  }
  return { params, normalized };
}

/** `value` is the whole of `name`, or its end starting right after a separator ("札幌市" in "北海道 札幌市"). */
function endsAtBoundary(label: string, value: string): boolean {
  const name = sameSpaces(label);
  if (name === value) return true;
  if (!name.endsWith(value) || BOUNDARY.test(value[0])) return false;
  return BOUNDARY.test(name[name.length - value.length - 1]);
}

/** Half- and full-width spaces are the same separator to a reader: "東京都 北区" names "東京都\u3000北区". */
const sameSpaces = (s: string) => s.replace(/\u3000/g, " ");

const show = (cs: ClassInfo[]) =>
  cs
    .slice(0, 10)
    .map((c) => `${c.code} ${c.name}${c.parentCode ? ` (parent ${c.parentCode})` : ""}`)
    .join("; ") + (cs.length > 10 ? `; … ${cs.length - 10} more` : "");

/**
 * A code, an exact class name, or a name's last part at a separator ("札幌市" for "北海道 札幌市",
 * "北区" for "東京都\u3000北区"); never a match inside a word ("京都" is not "東京都").
 */
export function resolveClass(dim: Dimension, given: string): ClassInfo {
  const byCode = dim.classes.find((c) => c.code === given);
  if (byCode) return byCode;
  const value = sameSpaces(given);
  const exact = dim.classes.filter((c) => sameSpaces(c.name) === value);
  if (exact.length === 1) return exact[0];
  const candidates = exact.length > 1 ? exact : dim.classes.filter((c) => endsAtBoundary(c.name, value));
  if (candidates.length === 1) return candidates[0];
  if (candidates.length > 1) {
    throw new InputError(
      `"${given}" matches ${candidates.length} classes of ${dim.id} (${dim.name}): ${show(candidates)}. Use the code instead.`,
    );
  }
  // Not a match, but worth naming: names of which the value is the start of a part ("京都" → 京都府),
  // then names that merely contain it ("京都" → 東京都), so the caller picks instead of us guessing.
  const startsPart = (name: string) => name.split(BOUNDARY).some((part) => part.startsWith(value));
  const likely = dim.classes.filter((c) => startsPart(c.name));
  const near = dim.classes.filter((c) => {
    const name = sameSpaces(c.name);
    return !startsPart(c.name) && (name.includes(value) || value.includes(name));
  });
  const hints = [
    ...(likely.length > 0 ? [`Did you mean: ${show(likely)}?`] : []),
    ...(near.length > 0 ? [`Near misses (not the same name): ${show(near)}.`] : []),
  ];
  throw new InputError(
    `No class "${given}" in ${dim.id} (${dim.name}); names match only whole or after a space or "_". ` +
      (hints.length > 0 ? hints.join(" ") : `Some valid values: ${show(dim.classes)}.`) +
      ` Use a code or an exact name; get_meta_info with maxClasses=${Math.min(dim.classes.length, 5000)} lists ` +
      (dim.classes.length > 5000 ? "the first 5000." : "them all."),
  );
}

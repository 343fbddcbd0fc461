/** Compact text for the model: a small markdown table, never raw e-Stat JSON. */

const cell = (v: unknown) =>
  v === null || v === undefined ? "" : String(v).replaceAll("|", "\\|").replaceAll("\n", " ");

export function markdownTable(columns: { key: string; label: string }[], rows: readonly object[], max = 20) {
  if (rows.length === 0) return "(no rows)";
  const head = `| ${columns.map((c) => cell(c.label)).join(" | ")} |`;
  const rule = `| ${columns.map(() => "---").join(" | ")} |`;
  const body = rows
    .slice(0, max)
    .map((r) => `| ${columns.map((c) => cell((r as Record<string, unknown>)[c.key])).join(" | ")} |`);
  const more = rows.length > max ? [`… ${rows.length - max} more rows in structuredContent.`] : [];
  return [head, rule, ...body, ...more].join("\n");
}

export function pageHint(nextPosition: number | undefined, total: number, shown: number) {
  return nextPosition
    ? `Showing ${shown} of ${total}. Next page: startPosition=${nextPosition}.`
    : `${total} in all.`;
}

export const STALE_NOTE = "Note: e-Stat is not answering; this is cached data (stale: true).";

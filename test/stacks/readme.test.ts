/**
 * The README names every stack configuration key and every stack output, in English and in its
 * Japanese section (the developers' guide: "documents every env var, config key and output").
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { configKeys, TARGET_NAMES } from "../../stacks/config.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const readme = readFileSync(`${root}/README.md`, "utf8");
const JA = "\n## 日本語\n";
const english = readme.slice(0, readme.indexOf(JA));
const japanese = readme.slice(readme.indexOf(JA));

/** The stack outputs: the names index.ts exports from deployTarget's result. */
const OUTPUTS = readFileSync(`${root}/index.ts`, "utf8")
  .match(/export const \{([^}]*)\} = deployTarget/)![1]
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);

/** Backticked names in the first column of the table that follows `heading`. */
function firstColumn(text: string, heading: string): Set<string> {
  const start = text.indexOf(heading);
  assert.ok(start >= 0, `README has no "${heading}"`);
  const table = text.slice(start).split("\n").slice(1);
  const rows = table.slice(table.findIndex((l) => l.startsWith("|")));
  const names = new Set<string>();
  for (const line of rows.slice(0, rows.findIndex((l) => !l.startsWith("|")))) {
    for (const m of (line.split("|")[1] ?? "").matchAll(/`([A-Za-z][A-Za-z0-9]*)`/g)) names.add(m[1]);
  }
  return names;
}

describe("README: stack configuration keys and outputs", () => {
  it("index.ts's outputs were found", () => {
    assert.ok(OUTPUTS.includes("endpoint") && OUTPUTS.length >= 10, `outputs: ${OUTPUTS.join(", ")}`);
  });

  for (const target of TARGET_NAMES) {
    it(`names every key of target ${target} in English and in Japanese`, () => {
      const keys = configKeys(target);
      assert.deepEqual(keys.filter((k) => !english.includes(`\`${k}\``)), [], "missing in English");
      assert.deepEqual(keys.filter((k) => !japanese.includes(`\`${k}\``)), [], "missing in the Japanese section");
    });
  }

  it("lists every aws-fargate key in both configuration tables", () => {
    const keys = configKeys("aws-fargate");
    assert.deepEqual(keys.filter((k) => !firstColumn(english, "### Configuration keys (`estat-mcp:*`)").has(k)), []);
    assert.deepEqual(keys.filter((k) => !firstColumn(japanese, "のキー（`estat-mcp:*`）：").has(k)), []);
  });

  it("lists every output in both output tables, and no output that does not exist", () => {
    const en = firstColumn(english, "### Outputs");
    const ja = firstColumn(japanese, "出力：");
    assert.deepEqual(OUTPUTS.filter((o) => !en.has(o)), [], "missing in the English table");
    assert.deepEqual(OUTPUTS.filter((o) => !ja.has(o)), [], "missing in the Japanese table");
    assert.deepEqual([...en, ...ja].filter((o) => !OUTPUTS.includes(o)), [], "rows for outputs index.ts does not export");
  });
});

/**
 * The README documents what the code reads and runs, in English and in its Japanese section (the
 * developers' guide): every environment variable, every npm script, and only commands and files that exist.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ENV_NAMES } from "../../server/config.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const readme = readFileSync(`${root}/README.md`, "utf8");
const JA = "\n## 日本語\n";
const english = readme.slice(0, readme.indexOf(JA));
const japanese = readme.slice(readme.indexOf(JA));
const docs = readdirSync(`${root}/docs`)
  .filter((f) => f.endsWith(".md"))
  .map((f) => ({ file: `docs/${f}`, text: readFileSync(`${root}/docs/${f}`, "utf8") }));
const scripts = Object.keys(JSON.parse(readFileSync(`${root}/package.json`, "utf8")).scripts as object);

/** The text of a section: from its heading to the next heading of the same or a higher level. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `README has no "${heading}" section`);
  const level = heading.match(/^#+/)![0].length;
  const rest = text.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`\\n#{1,${level}} `));
  return end < 0 ? rest : rest.slice(0, end);
}

/** Table cells that name a variable: `NAME` in the first column, alone or in a comma list. */
function tableNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const first = line.match(/^\| ([^|]+) \|/)?.[1] ?? "";
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]*|<VAR>_SSM_PARAMETER)`/g)) names.add(m[1]);
  }
  return names;
}

const missing = (names: readonly string[], where: Set<string>) => names.filter((n) => !where.has(n));

describe("README", () => {
  it("sections are where the checks below look for them", () => {
    assert.ok(japanese.length > 1000 && english.length > 1000, "README has an English part and a ## 日本語 section");
  });

  it("documents every variable server/config.ts reads in the English table, with no stale row", () => {
    const rows = tableNames(section(english, "## Configuration (environment)"));
    assert.deepEqual(missing(ENV_NAMES, rows), []);
    rows.delete("<VAR>_SSM_PARAMETER");
    assert.deepEqual(missing([...rows], new Set(ENV_NAMES)), []);
  });

  it("documents every variable server/config.ts reads in the Japanese table, with no stale row", () => {
    const rows = tableNames(section(japanese, "### 環境変数"));
    assert.deepEqual(missing(ENV_NAMES, rows), []);
    assert.ok(rows.has("<VAR>_SSM_PARAMETER"), "the Japanese table has the SSM row");
    rows.delete("<VAR>_SSM_PARAMETER");
    assert.deepEqual(missing([...rows], new Set(ENV_NAMES)), []);
  });

  it("docs/oauth.md has a row for every OAuth variable in its English and its Japanese table", () => {
    const oauth = readFileSync(`${root}/docs/oauth.md`, "utf8");
    const names = ["MCP_AUTH", "PUBLIC_BASE_URL", ...ENV_NAMES.filter((n) => n.startsWith("OAUTH_"))];
    assert.ok(names.length > 10, "server/config.ts still reads the OAuth variables");
    assert.deepEqual(missing(names, tableNames(oauth.slice(0, oauth.indexOf(JA)))), [], "missing in English");
    assert.deepEqual(missing(names, tableNames(oauth.slice(oauth.indexOf(JA)))), [], "missing in Japanese");
  });

  it("names every npm script in English and in Japanese", () => {
    const named = (text: string, s: string) => text.includes(`npm run ${s}`) || text.includes(`\`${s}\``) || (["test", "start"].includes(s) && text.includes(`npm ${s}`));
    assert.deepEqual(scripts.filter((s) => !named(english, s)), []);
    assert.deepEqual(scripts.filter((s) => !named(japanese, s)), []);
  });

  it("tells users to run only npm scripts that exist (README and docs/*.md)", () => {
    const bad: string[] = [];
    for (const { file, text } of [{ file: "README.md", text: readme }, ...docs]) {
      for (const m of text.matchAll(/npm run ([a-z][\w:-]*)/g)) if (!scripts.includes(m[1])) bad.push(`${file}: npm run ${m[1]}`);
      for (const m of text.matchAll(/--run ([a-z][\w:-]*)/g)) if (!scripts.includes(m[1])) bad.push(`${file}: --run ${m[1]}`);
    }
    assert.deepEqual(bad, []);
  });

  it("names only repository files and folders that exist (backticked paths and relative links)", () => {
    /** MCP methods look like paths. */
    const METHODS = new Set(["server/discover"]);
    const TOP = /^(\.ci|\.github|bench|conformance|deploy|docs|policy|scripts|server|stacks|test)\//;
    const named = [
      ...[...readme.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]).filter((p) => TOP.test(p)),
      ...[...readme.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((p) => !/^[a-z]+:/.test(p)),
    ].filter((p) => !/[<>*…]/.test(p) && !METHODS.has(p));
    assert.ok(named.length > 20, `found only ${named.length} paths: the patterns above no longer match the README`);
    assert.deepEqual([...new Set(named)].filter((p) => !existsSync(`${root}/${p}`)), []);
  });
});

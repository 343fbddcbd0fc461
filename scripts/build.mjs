// `npm run build`: the server as one minified ESM bundle for Node 24 (dist/server/), shared by every
// target: main.mjs for containers (Dockerfile, Heroku, VPS), lambda.mjs for AWS Lambda, and chunks that
// load on first use (the lake: the S3 SDK and Parquet; SSM). Then dist/lambda.zip: lambda.mjs and only
// the chunks it can reach, which is what the Lambda stacks upload.
// Plain JS on purpose: it runs on any Node before anything else is built.
import { mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { zipSync } from "fflate";

/**
 * The esbuild options of every bundle of the server: the shipped one below, and the floors bench/lambda.ts
 * compares it with (built the same way, so the difference is what the app adds, not how it was built).
 * @type {import("esbuild").BuildOptions}
 */
export const BUNDLE_OPTIONS = {
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  // ESM builds where a package has one: they tree-shake, and a lazily imported module keeps its named
  // exports (a CommonJS one arrives as a lone default export from a split chunk).
  mainFields: ["module", "main"],
  target: "node24",
  minify: true,
  // No keepNames: it wraps every function a closure creates in a defineProperty call (esbuild's __name),
  // which on the request path cost a third of a request's CPU time (README, benchmarks). Log lines keep
  // error messages and the `name` errors set; a class's own name may show minified.
  legalComments: "none",
  logLevel: "warning",
  // CommonJS dependencies (pino, koa's) call require(); an ESM bundle has none unless given one.
  banner: {
    js: 'import { createRequire as __estatCreateRequire } from "node:module"; const require = __estatCreateRequire(import.meta.url);',
  },
};

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "server");

/** `npm run build`: dist/server/ and dist/lambda.zip. */
async function main() {
  rmSync(join(root, "dist"), { recursive: true, force: true });

  const result = await build({
    ...BUNDLE_OPTIONS,
    absWorkingDir: root,
    entryPoints: { main: "server/main.ts", lambda: "server/lambda.ts" },
    outdir: out,
    metafile: true,
  });

  /**
   * Every output file an entry needs, static and dynamic imports followed.
   * @param {string} entry
   */
  function reachable(entry) {
    /** @type {Set<string>} */
    const seen = new Set();
    /** @param {string} file */
    const visit = (file) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const imp of result.metafile.outputs[file]?.imports ?? []) if (!imp.external) visit(imp.path);
    };
    visit(entry);
    return [...seen];
  }

  const lambdaEntry = relative(root, join(out, "lambda.mjs"));
  /** @type {import("fflate").Zippable} */
  const files = Object.fromEntries(
    reachable(lambdaEntry).map((f) => [
      relative(out, join(root, f)),
      /** @type {import("fflate").ZippableFile} */ ([readFileSync(join(root, f)), { mtime: new Date("1980-01-02T00:00:00Z") }]),
    ]),
  );
  // A fixed mtime keeps the zip byte-identical across builds, so Pulumi sees no change when nothing changed.
  mkdirSync(join(root, "dist"), { recursive: true });
  writeFileSync(join(root, "dist", "lambda.zip"), zipSync(files, { level: 9 }));

  const kb = (/** @type {string} */ p) => `${(statSync(join(root, p)).size / 1024).toFixed(0)} KiB`;
  process.stdout.write(
    `dist/server/main.mjs ${kb("dist/server/main.mjs")}, dist/server/lambda.mjs ${kb("dist/server/lambda.mjs")}, ` +
      `${Object.keys(result.metafile.outputs).length} files; dist/lambda.zip ${kb("dist/lambda.zip")} (${Object.keys(files).length} files)\n`,
  );
}

// Imported (bench/lambda.ts reads BUNDLE_OPTIONS), it builds nothing.
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) await main();

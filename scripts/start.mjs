// Runs one of the project's TypeScript entry points: `node scripts/start.mjs [--node24] [entry.ts] [args…]`
// (the server by default). Node 24 runs TypeScript natively. On an older Node, e.g. a machine whose
// system Node is 20, it runs the same sources through tsx (a devDependency, present after `npm ci`) and
// says so, except with --node24 (benchmarks, the soak, the test suites: figures and child processes
// that must be Node 24's), where it stops with one line saying how to get Node 24. Production images
// run `node server/main.ts` on Node 24 directly.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

const [major, minor] = process.versions.node.split(".").map(Number);
const native = major >= 24 || (major === 22 && minor >= 18) || (major === 23 && minor >= 6);
const argv = process.argv.slice(2);
const strict = argv[0] === "--node24";
if (strict) argv.shift();
// `--node24` alone only checks (npm test runs it before mocha).
const [entry = strict ? undefined : "server/main.ts", ...rest] = argv;
const script = process.env.npm_lifecycle_event;
const how = script ? `npx -y node@24 --run ${script}` : `npx -y node@24 ${entry ?? "--run test"}`;

if (strict && major < 24) {
  process.stderr.write(
    `estat-mcp-cloud: ${script ? `npm run ${script}` : (entry ?? "this")} needs Node 24 (this is ${process.version}); ` +
      `without nvm, run \`${how}\` (Node 24 from the npm registry), or \`nvm use\` (.nvmrc).\n`,
  );
  process.exit(1);
}
if (entry !== undefined) {
  let args = [entry, ...rest];
  if (!native) {
    try {
      createRequire(import.meta.url).resolve("tsx");
    } catch {
      process.stderr.write(
        `estat-mcp-cloud needs Node 24 (found ${process.version}): run \`${how}\`, \`nvm use\` (.nvmrc), or \`npm ci\` to get tsx.\n`,
      );
      process.exit(1);
    }
    process.stderr.write(
      `estat-mcp-cloud: Node ${process.version} is older than the Node 24 this project targets; running through tsx.\n`,
    );
    args = ["--import", "tsx", ...args];
  }
  const child = spawn(process.execPath, args, { stdio: "inherit" });
  const stop = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => stop(signal));
  // `npm start` runs this under `sh -c`; a SIGTERM to npm ends npm and the shell without passing it on,
  // which would orphan this process and the server with it. A new parent means ours is gone: stop too.
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) stop("SIGTERM");
  }, 200);
  watch.unref();
  child.on("exit", (code) => process.exit(code ?? 1));
}

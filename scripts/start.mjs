// npm start: the server on Node 24 (which runs TypeScript natively). On an older Node, e.g. a machine
// whose system Node is 20, it runs the same sources through tsx (a devDependency, present after
// `npm ci`) and says so; production images run `node server/main.ts` on Node 24 directly.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

const [major, minor] = process.versions.node.split(".").map(Number);
const native = major >= 24 || (major === 22 && minor >= 18) || (major === 23 && minor >= 6);
// `node scripts/start.mjs [entry.ts]`: the server by default; `npm run demo` passes scripts/demo.ts.
let args = [process.argv[2] ?? "server/main.ts"];
if (!native) {
  let tsx;
  try {
    tsx = createRequire(import.meta.url).resolve("tsx");
  } catch {
    process.stderr.write(
      `estat-mcp-cloud needs Node 24 (found ${process.version}). Run \`nvm use\` (.nvmrc), or \`npm ci\` to get tsx.\n`,
    );
    process.exit(1);
  }
  process.stderr.write(`estat-mcp-cloud: Node ${process.version} is older than the Node 24 this project targets; running through tsx.\n`);
  args = ["--import", "tsx", ...args];
  void tsx;
}
const child = spawn(process.execPath, args, { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// Turns a server's address and key into MCP client configuration files.
//   npm run client-config -- --stack dev [--client NAME] [--plain] [--write] [--out DIR] [--file saved.json]
//   npm run client-config -- --url http://127.0.0.1:8080/mcp [--client NAME] [--plain] [--write] [--out DIR]
//   add --oauth for a server with MCP_AUTH=oauth: no key in any file, and how each client signs in
// With --stack and no --file it runs `pulumi stack output --json --show-secrets --stack <stack>`. With
// --url (a local or self-hosted server) the key, if the server wants one, comes from ESTAT_MCP_API_KEY.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { stringify as toToml } from "smol-toml";
import {
  CLIENT_NAMES,
  CLIENTS,
  type ClientName,
  claudeCodeCommand,
  clientConfigs,
  KEY_ENV,
  OAUTH_SIGN_IN,
} from "../stacks/shared/client-configs.ts";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Reads the stack outputs with the Pulumi CLI (replaced in tests). */
  stackOutputs: (stack: string) => string;
  /** The environment (for ESTAT_MCP_API_KEY with --url). */
  env: Record<string, string | undefined>;
}

const usage =
  "usage: npm run client-config -- (--stack STACK [--file saved.json] | --url URL) [--client NAME] [--plain] [--oauth] [--write] [--out DIR]\n" +
  `clients: ${CLIENT_NAMES.join(", ")}`;

class UsageError extends Error {}

function pulumiOutputs(stack: string): string {
  try {
    return execFileSync("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        "the Pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/install/), or pass --file with the " +
          "outputs saved where it is installed, or --url for a server you run yourself",
        { cause: e },
      );
    }
    throw new Error(`\`pulumi stack output --stack ${stack}\` failed (its message is above)`, { cause: e });
  }
}

/** Runs the command; returns the exit code. */
export function main(argv: string[], io: Io = defaultIo()): number {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        url: { type: "string" },
        client: { type: "string" },
        plain: { type: "boolean", default: false },
        write: { type: "boolean", default: false },
        out: { type: "string" },
        file: { type: "string" },
        oauth: { type: "boolean", default: false },
      },
      strict: true,
    });
    if (!values.stack && !values.url) throw new UsageError("--stack or --url is required");
    if (values.stack && values.url) throw new UsageError("--stack and --url do not go together: pick one");
    const clients = selectClients(values.client);
    const { endpoint, apiKey } = values.url
      ? { endpoint: checkUrl(values.url), apiKey: io.env[KEY_ENV] || undefined }
      : parseOutputs(values.file ? readSaved(values.file, values.stack!) : io.stackOutputs(values.stack!), values.stack!);
    // OAuth: the clients sign in themselves; a key beside it would never be asked for (docs/oauth.md).
    const key = values.oauth ? undefined : apiKey;
    const configs = clientConfigs(endpoint, key, { plain: values.plain });
    const signIn = () => {
      if (!values.oauth) return;
      for (const c of clients) (values.write ? io.out : io.err)(`${c}: sign in: ${OAUTH_SIGN_IN[c]}\n`);
    };
    const render = (c: ClientName) =>
      CLIENTS[c].file.endsWith(".toml") ? toToml(configs[c]) : `${JSON.stringify(configs[c], null, 2)}\n`;
    if (!values.write) {
      if (values.client) io.out(render(clients[0]!));
      else io.out(`${JSON.stringify(Object.fromEntries(clients.map((c) => [c, configs[c]])), null, 2)}\n`);
      signIn();
      return 0;
    }
    // Written files can carry the key; the terminal never does (it ends up in scrollback and CI logs).
    const dir = resolve(values.out ?? join(".mcp-clients", values.stack ?? "url"));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const client of clients) {
      const target = join(dir, client);
      mkdirSync(target, { recursive: true, mode: 0o700 });
      const path = join(target, CLIENTS[client].file);
      writeOwnerOnly(path, render(client));
      io.out(`${client}: wrote ${path} → merge into ${CLIENTS[client].where}\n`);
    }
    if (key !== undefined) {
      const keyFile = join(dir, "api-key");
      writeOwnerOnly(keyFile, `${key}\n`);
      const needsEnv = clients.filter((c) => CLIENTS[c].key === "env");
      io.out(`the key: ${keyFile} (owner-only)\n`);
      if (needsEnv.length > 0 && !values.plain) {
        io.out(
          `${needsEnv.join(", ")} read it from ${KEY_ENV}: set it where the client starts, e.g.\n` +
            `  export ${KEY_ENV}="$(cat ${keyFile})"\n`,
        );
      }
    }
    if (clients.includes("claude-code")) {
      io.out(`claude-code, or instead: ${claudeCodeCommand(endpoint, key)}\n`);
    }
    signIn();
    return 0;
  } catch (e) {
    io.err(`client-config: ${(e as Error).message}\n${e instanceof UsageError ? `${usage}\n` : ""}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

function writeOwnerOnly(path: string, text: string) {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function selectClients(name: string | undefined): ClientName[] {
  if (name === undefined) return CLIENT_NAMES;
  if (!(CLIENT_NAMES as string[]).includes(name)) {
    throw new UsageError(`unknown client "${name}". Valid: ${CLIENT_NAMES.join(", ")}`);
  }
  return [name as ClientName];
}

function checkUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(url)} is not a URL: give the server's /mcp address, e.g. http://127.0.0.1:8080/mcp`);
  }
  if (!/^https?:$/.test(u.protocol)) throw new UsageError(`--url must be http:// or https://, got ${u.protocol}`);
  return u.pathname === "/" ? `${u.origin}/mcp` : u.href;
}

function readSaved(file: string, stack: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    throw new Error(
      `no file ${file}: save the outputs outside the repository, e.g. ` +
        `\`pulumi stack output --json --show-secrets --stack ${stack} > ~/estat-${stack}-outputs.json\``,
      { cause: e },
    );
  }
}

/** The two stack outputs the configurations are made from (the saved JSON's shape, docs/deploy-aws.md). */
interface Outputs {
  endpoint: string;
  apiKey: string;
}

function parseOutputs(raw: string, stack: string): Outputs {
  let o: any;
  try {
    o = JSON.parse(raw);
  } catch {
    throw new Error(
      "the stack outputs are not JSON: save them with `pulumi stack output --json --show-secrets`",
    );
  }
  if (o?.apiKey === "[secret]" || (typeof o?.clientConfigs === "string" && o.clientConfigs.includes("[secret]"))) {
    throw new Error("the outputs hide secrets: use `pulumi stack output --json --show-secrets`");
  }
  if (typeof o?.endpoint !== "string" || typeof o?.apiKey !== "string") {
    throw new Error(`stack ${stack} has no endpoint/apiKey outputs: run \`pulumi up --stack ${stack}\` first`);
  }
  return { endpoint: o.endpoint, apiKey: o.apiKey };
}

function defaultIo(): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    stackOutputs: pulumiOutputs,
    env: process.env,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}

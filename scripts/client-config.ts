// Turns the stack's outputs into MCP client configuration files.
//   npm run client-config -- --stack dev [--client NAME] [--write] [--out DIR] [--file saved.json]
// Without --file it runs `pulumi stack output --json --show-secrets --stack <stack>`.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CLIENT_NAMES, CLIENTS, type ClientName, claudeCodeCommand } from "../stacks/client-configs.ts";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Reads the stack outputs with the Pulumi CLI (replaced in tests). */
  stackOutputs: (stack: string) => string;
}

const usage =
  "usage: npm run client-config -- --stack STACK [--client NAME] [--write] [--out DIR] [--file saved.json]\n" +
  `clients: ${CLIENT_NAMES.join(", ")}`;

class UsageError extends Error {}

function pulumiOutputs(stack: string): string {
  return execFileSync("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
}

/** Runs the command; returns the exit code. */
export function main(argv: string[], io: Io = defaultIo()): number {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        client: { type: "string" },
        write: { type: "boolean", default: false },
        out: { type: "string" },
        file: { type: "string" },
      },
      strict: true,
    });
    if (!values.stack) throw new UsageError("--stack is required");
    const clients = selectClients(values.client);
    const raw = values.file ? readFileSync(values.file, "utf8") : io.stackOutputs(values.stack);
    const outputs = parseOutputs(raw, values.stack);
    if (!values.write) {
      const picked = Object.fromEntries(clients.map((c) => [c, outputs.clientConfigs[c]]));
      io.out(`${JSON.stringify(values.client ? picked[values.client] : picked, null, 2)}\n`);
      return 0;
    }
    const dir = resolve(values.out ?? join(".mcp-clients", values.stack));
    for (const client of clients) {
      const target = join(dir, client);
      mkdirSync(target, { recursive: true, mode: 0o700 });
      const path = join(target, CLIENTS[client].file);
      // The files carry the API key: readable by the owner only.
      writeFileSync(path, `${JSON.stringify(outputs.clientConfigs[client], null, 2)}\n`, { mode: 0o600 });
      chmodSync(path, 0o600);
      io.out(`${client}: wrote ${path} → merge into ${CLIENTS[client].where}\n`);
    }
    if (clients.includes("claude-code")) {
      io.out(`claude-code, or instead: ${claudeCodeCommand(outputs.endpoint, outputs.apiKey)}\n`);
    }
    return 0;
  } catch (e) {
    io.err(`client-config: ${(e as Error).message}\n${e instanceof UsageError ? `${usage}\n` : ""}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

function selectClients(name: string | undefined): ClientName[] {
  if (name === undefined) return CLIENT_NAMES;
  if (!(CLIENT_NAMES as string[]).includes(name)) {
    throw new UsageError(`unknown client "${name}". Valid: ${CLIENT_NAMES.join(", ")}`);
  }
  return [name as ClientName];
}

interface Outputs {
  endpoint: string;
  apiKey: string;
  clientConfigs: Record<ClientName, object>;
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
  if (typeof o?.clientConfigs === "string" && o.clientConfigs.includes("[secret]")) {
    throw new Error("the outputs hide secrets: use `pulumi stack output --json --show-secrets`");
  }
  if (!o?.clientConfigs || typeof o.endpoint !== "string" || typeof o.apiKey !== "string") {
    throw new Error(
      `stack ${stack} has no clientConfigs/endpoint/apiKey outputs: run \`pulumi up --stack ${stack}\` first`,
    );
  }
  const missing = CLIENT_NAMES.filter((c) => !o.clientConfigs[c]);
  if (missing.length)
    throw new Error(`clientConfigs lacks ${missing.join(", ")}: update the stack (pulumi up)`);
  return o;
}

function defaultIo(): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    stackOutputs: pulumiOutputs,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}

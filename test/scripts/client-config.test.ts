import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../scripts/client-config.ts";
import { clientConfigs } from "../../stacks/client-configs.ts";

const ENDPOINT = "https://d111111abcdef8.cloudfront.net/mcp";
const KEY = "k3yK3yk3yK3yk3yK3yk3yK3yk3yK3yk3yK3y-_AB";
const headers = { "X-API-Key": KEY };

/** What each client's file must contain, spelled out. */
const EXPECTED: Record<string, object> = {
  "claude-code": { mcpServers: { estat: { type: "http", url: ENDPOINT, headers } } },
  "claude-desktop": {
    mcpServers: {
      estat: {
        command: "npx",
        args: [
          "-y",
          "mcp-remote",
          ENDPOINT,
          "--header",
          "X-API-Key:${ESTAT_MCP_API_KEY}",
          "--transport",
          "http-only",
        ],
        env: { ESTAT_MCP_API_KEY: KEY },
      },
    },
  },
  cursor: { mcpServers: { estat: { url: ENDPOINT, headers } } },
  vscode: { servers: { estat: { type: "http", url: ENDPOINT, headers } } },
  cline: {
    mcpServers: { estat: { type: "streamableHttp", url: ENDPOINT, headers, disabled: false, timeout: 120 } },
  },
  kiro: { mcpServers: { estat: { url: ENDPOINT, headers, disabled: false } } },
  windsurf: { mcpServers: { estat: { serverUrl: ENDPOINT, headers } } },
};

describe("client configurations (stacks/client-configs.ts)", () => {
  it("gives each of the seven clients exactly its own format", () => {
    assert.deepEqual(clientConfigs(ENDPOINT, KEY), EXPECTED);
  });
});

describe("npm run client-config (scripts/client-config.ts)", () => {
  let dir: string;
  let saved: string;
  let out: string;
  let err: string;
  let asked: string[];
  const io = () => ({
    out: (t: string) => {
      out += t;
    },
    err: (t: string) => {
      err += t;
    },
    stackOutputs: (stack: string) => {
      asked.push(stack);
      return readFileSync(saved, "utf8");
    },
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "client-config-"));
    saved = join(dir, "outputs.json");
    writeFileSync(
      saved,
      JSON.stringify({
        endpoint: ENDPOINT,
        apiKey: KEY,
        healthUrl: "x",
        clientConfigs: clientConfigs(ENDPOINT, KEY),
      }),
    );
    out = "";
    err = "";
    asked = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("prints every client's configuration from a saved output file", () => {
    assert.equal(main(["--stack", "dev", "--file", saved], io()), 0);
    assert.deepEqual(JSON.parse(out), EXPECTED);
    assert.deepEqual(asked, []);
  });

  it("prints one client's configuration with --client", () => {
    assert.equal(main(["--stack", "dev", "--file", saved, "--client", "windsurf"], io()), 0);
    assert.deepEqual(JSON.parse(out), EXPECTED.windsurf);
  });

  it("asks Pulumi for the stack's outputs when no file is given", () => {
    assert.equal(main(["--stack", "prod", "--client", "cursor"], io()), 0);
    assert.deepEqual(asked, ["prod"]);
    assert.deepEqual(JSON.parse(out), EXPECTED.cursor);
  });

  it("writes one owner-only file per client with --write, and prints the claude command", () => {
    const target = join(dir, "clients");
    assert.equal(main(["--stack", "dev", "--file", saved, "--write", "--out", target], io()), 0);
    const files: Record<string, string> = {
      "claude-code": ".mcp.json",
      "claude-desktop": "claude_desktop_config.json",
      cursor: "mcp.json",
      vscode: "mcp.json",
      cline: "cline_mcp_settings.json",
      kiro: "mcp.json",
      windsurf: "mcp_config.json",
    };
    for (const [client, file] of Object.entries(files)) {
      const path = join(target, client, file);
      assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), EXPECTED[client], client);
      assert.equal(statSync(path).mode & 0o777, 0o600, client);
    }
    assert.match(
      out,
      new RegExp(`claude mcp add --transport http estat ${ENDPOINT} --header "X-API-Key: ${KEY}"`),
    );
  });

  it("rejects an unknown client, listing the valid ones", () => {
    assert.equal(main(["--stack", "dev", "--file", saved, "--client", "zed"], io()), 2);
    assert.match(
      err,
      /unknown client "zed"\. Valid: claude-code, claude-desktop, cursor, vscode, cline, kiro, windsurf/,
    );
  });

  it("requires --stack", () => {
    assert.equal(main(["--file", saved], io()), 2);
    assert.match(err, /--stack is required/);
  });

  it("explains outputs saved without --show-secrets", () => {
    writeFileSync(
      saved,
      JSON.stringify({ endpoint: ENDPOINT, apiKey: "[secret]", clientConfigs: "[secret]" }),
    );
    assert.equal(main(["--stack", "dev", "--file", saved], io()), 1);
    assert.match(err, /use `pulumi stack output --json --show-secrets`/);
  });

  it("explains a stack that has not been deployed", () => {
    writeFileSync(saved, "{}");
    assert.equal(main(["--stack", "dev", "--file", saved], io()), 1);
    assert.match(
      err,
      /stack dev has no clientConfigs\/endpoint\/apiKey outputs: run `pulumi up --stack dev` first/,
    );
  });

  it("runs as a command with Node's own TypeScript support", () => {
    const script = fileURLToPath(new URL("../../scripts/client-config.ts", import.meta.url));
    const text = execFileSync(
      process.execPath,
      [script, "--stack", "dev", "--file", saved, "--client", "vscode"],
      {
        encoding: "utf8",
      },
    );
    assert.deepEqual(JSON.parse(text), EXPECTED.vscode);
  });
});

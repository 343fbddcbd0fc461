import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { main } from "../../scripts/client-config.ts";
import { parseEnv } from "../../server/config.ts";
import { CLIENT_TOOL_TIMEOUT_S, CLIENTS, clientConfigs, OAUTH_SIGN_IN } from "../../stacks/shared/client-configs.ts";

const ENDPOINT = "https://d111111abcdef8.cloudfront.net/mcp";
const KEY = "k3yK3yk3yK3yk3yK3yk3yK3yk3yK3yk3yK3y-_AB";
const secret = (ref: string) => ({ "X-API-Key": ref });

/** What each client's file must contain, spelled out: no key in any file a project may commit. */
const EXPECTED: Record<string, object> = {
  "claude-code": { mcpServers: { estat: { type: "http", url: ENDPOINT, headers: secret("${ESTAT_MCP_API_KEY}") } } },
  "claude-desktop": {
    mcpServers: {
      estat: {
        command: "npx",
        args: [
          "-y",
          "mcp-remote@0.15.1",
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
  cursor: { mcpServers: { estat: { url: ENDPOINT, headers: secret("${env:ESTAT_MCP_API_KEY}") } } },
  vscode: {
    inputs: [{ type: "promptString", id: "estat-mcp-api-key", description: "estat-mcp-cloud API key", password: true }],
    servers: { estat: { type: "http", url: ENDPOINT, headers: secret("${input:estat-mcp-api-key}") } },
  },
  cline: {
    mcpServers: { estat: { type: "streamableHttp", url: ENDPOINT, headers: secret(KEY), disabled: false, timeout: 180 } },
  },
  kiro: { mcpServers: { estat: { url: ENDPOINT, headers: secret("${ESTAT_MCP_API_KEY}"), disabled: false } } },
  windsurf: { mcpServers: { estat: { serverUrl: ENDPOINT, headers: secret("${env:ESTAT_MCP_API_KEY}") } } },
  codex: {
    mcp_servers: { estat: { url: ENDPOINT, env_http_headers: { "X-API-Key": "ESTAT_MCP_API_KEY" }, tool_timeout_sec: 180 } },
  },
  gemini: { mcpServers: { estat: { httpUrl: ENDPOINT, headers: secret("${ESTAT_MCP_API_KEY}"), timeout: 180_000 } } },
};
const CODEX_TOML = `[mcp_servers.estat]
url = "${ENDPOINT}"
tool_timeout_sec = 180

[mcp_servers.estat.env_http_headers]
X-API-Key = "ESTAT_MCP_API_KEY"
`;
/** Files that sit inside a project (and get committed): the key must not be in them. */
const PROJECT_FILES = ["claude-code", "cursor", "vscode", "kiro", "windsurf", "codex", "gemini"];

describe("client configurations (stacks/shared/client-configs.ts)", () => {
  it("gives each of the nine clients exactly its own format, with its own secret mechanism", () => {
    assert.deepEqual(clientConfigs(ENDPOINT, KEY), EXPECTED);
  });

  it("keeps the key out of every file a project may commit (issue 8)", () => {
    const configs = clientConfigs(ENDPOINT, KEY) as Record<string, object>;
    for (const client of PROJECT_FILES) assert.ok(!JSON.stringify(configs[client]).includes(KEY), client);
  });

  it("writes the literal key everywhere with plain", () => {
    const configs = clientConfigs(ENDPOINT, KEY, { plain: true }) as Record<string, any>;
    for (const client of ["claude-code", "cursor", "kiro", "windsurf", "gemini"]) {
      assert.deepEqual((Object.values(configs[client].mcpServers)[0] as any).headers, { "X-API-Key": KEY }, client);
    }
    assert.deepEqual(configs.vscode, { servers: { estat: { type: "http", url: ENDPOINT, headers: { "X-API-Key": KEY } } } });
    assert.deepEqual(configs.codex.mcp_servers.estat.http_headers, { "X-API-Key": KEY });
  });

  it("sends no header to a server without keys, and lets mcp-remote use plain HTTP on http:// URLs", () => {
    const local = "http://127.0.0.1:8080/mcp";
    const configs = clientConfigs(local, undefined) as Record<string, any>;
    assert.ok(!JSON.stringify(configs).includes("X-API-Key"));
    assert.deepEqual(configs["claude-desktop"].mcpServers.estat.args, [
      "-y",
      "mcp-remote@0.15.1",
      local,
      "--transport",
      "http-only",
      "--allow-http",
    ]);
  });

  it("sets Cline's, Codex's and Gemini's timeouts above the server's tool deadline", () => {
    const deadlineS = parseEnv({}).toolTimeoutMs / 1000;
    assert.ok(CLIENT_TOOL_TIMEOUT_S > deadlineS, `${CLIENT_TOOL_TIMEOUT_S} s ≤ TOOL_TIMEOUT_MS ${deadlineS} s`);
  });
});

describe("npm run client-config (scripts/client-config.ts)", () => {
  let dir: string;
  let saved: string;
  let out: string;
  let err: string;
  let asked: string[];
  const io = (env: Record<string, string> = {}) => ({
    env,
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
      gemini: "settings.json",
    };
    for (const [client, file] of Object.entries(files)) {
      const path = join(target, client, file);
      assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), EXPECTED[client], client);
      assert.equal(statSync(path).mode & 0o777, 0o600, client);
    }
    const codex = join(target, "codex", "config.toml");
    assert.equal(readFileSync(codex, "utf8"), CODEX_TOML);
    assert.deepEqual(JSON.parse(JSON.stringify(parseToml(CODEX_TOML))), EXPECTED.codex);
    assert.equal(statSync(codex).mode & 0o777, 0o600);
    const keyFile = join(target, "api-key");
    assert.equal(readFileSync(keyFile, "utf8"), `${KEY}\n`);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.ok(out.includes(`claude mcp add --transport http estat ${ENDPOINT} --header "X-API-Key: \${ESTAT_MCP_API_KEY}"`), out);
    assert.ok(out.includes(`export ESTAT_MCP_API_KEY="$(cat ${keyFile})"`), out);
  });

  it("never prints the key to the terminal with --write, even with --plain (issue 8)", () => {
    const target = join(dir, "clients");
    assert.equal(main(["--stack", "dev", "--file", saved, "--write", "--plain", "--out", target], io()), 0);
    assert.ok(!out.includes(KEY), out);
    assert.deepEqual(JSON.parse(readFileSync(join(target, "cursor", "mcp.json"), "utf8")).mcpServers.estat.headers, {
      "X-API-Key": KEY,
    });
  });

  it("--oauth: no key in any file or beside them, and how each client signs in (MCP_AUTH=oauth)", () => {
    const target = join(dir, "clients");
    assert.equal(main(["--url", "https://mcp.example.jp/mcp", "--oauth", "--write", "--out", target], io({ ESTAT_MCP_API_KEY: KEY })), 0);
    for (const [client, file] of Object.entries(CLIENTS)) {
      const text = readFileSync(join(target, client, file.file), "utf8");
      assert.ok(!text.includes(KEY) && !text.includes("X-API-Key") && !text.includes("ESTAT_MCP_API_KEY"), client);
      assert.ok(out.includes(`${client}: sign in: ${OAUTH_SIGN_IN[client as keyof typeof OAUTH_SIGN_IN]}`), client);
    }
    assert.throws(() => readFileSync(join(target, "api-key")));
    assert.ok(out.includes("claude mcp add --transport http estat https://mcp.example.jp/mcp\n"), out);
    assert.ok(!out.includes(KEY));
    // Printing: the JSON on stdout stays parseable, the sign-in notes go to stderr.
    out = "";
    err = "";
    assert.equal(main(["--url", "https://mcp.example.jp/mcp", "--oauth", "--client", "gemini"], io()), 0);
    assert.deepEqual(JSON.parse(out), clientConfigs("https://mcp.example.jp/mcp", undefined).gemini);
    assert.equal(err, `gemini: sign in: ${OAUTH_SIGN_IN.gemini}\n`);
  });

  it("makes configurations for a local or self-hosted server with --url, the key from ESTAT_MCP_API_KEY", () => {
    const url = "https://mcp.example.jp/mcp";
    assert.equal(main(["--url", url, "--client", "codex"], io({ ESTAT_MCP_API_KEY: KEY })), 0);
    assert.equal(out, CODEX_TOML.replace(ENDPOINT, url));
    out = "";
    assert.equal(main(["--url", "http://127.0.0.1:8080", "--client", "cursor"], io()), 0);
    assert.deepEqual(JSON.parse(out), { mcpServers: { estat: { url: "http://127.0.0.1:8080/mcp" } } });
    assert.equal(main(["--url", "ftp://x/mcp"], io()), 2);
    assert.match(err, /--url must be http:\/\/ or https:\/\/, got ftp:/);
  });

  it("says what to do when the saved file is missing", () => {
    assert.equal(main(["--stack", "dev", "--file", join(dir, "nope.json")], io()), 1);
    assert.equal(
      err,
      `client-config: no file ${join(dir, "nope.json")}: save the outputs outside the repository, e.g. ` +
        "`pulumi stack output --json --show-secrets --stack dev > ~/estat-dev-outputs.json`\n",
    );
  });

  it("says what to do without the Pulumi CLI, in one line", () => {
    const script = fileURLToPath(new URL("../../scripts/client-config.ts", import.meta.url));
    const r = spawnSync(process.execPath, [script, "--stack", "dev"], {
      encoding: "utf8",
      env: { ...process.env, PATH: dir },
    });
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      "client-config: the Pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/install/), or pass --file " +
        "with the outputs saved where it is installed, or --url for a server you run yourself\n",
    );
  });

  it("rejects an unknown client, listing the valid ones", () => {
    assert.equal(main(["--stack", "dev", "--file", saved, "--client", "zed"], io()), 2);
    assert.match(
      err,
      /unknown client "zed"\. Valid: claude-code, claude-desktop, cursor, vscode, cline, kiro, windsurf, codex, gemini/,
    );
  });

  it("requires --stack or --url", () => {
    assert.equal(main(["--file", saved], io()), 2);
    assert.match(err, /--stack or --url is required/);
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
      /stack dev has no endpoint\/apiKey outputs: run `pulumi up --stack dev` first/,
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

/**
 * The MCP clients we write configuration for, the file each one reads, and how each keeps the key out
 * of that file (many of these files live in a repository: `.mcp.json`, `.vscode/`, `.cursor/`, `.kiro/`).
 * Formats from each client's own documentation (see docs/deploy-aws.md, "Connecting clients").
 */
export const CLIENTS = {
  "claude-code": { file: ".mcp.json", where: "project root (or run the `claude mcp add` command shown)", key: "env" },
  "claude-desktop": {
    file: "claude_desktop_config.json",
    where: "macOS ~/Library/Application Support/Claude/, Windows %APPDATA%\\Claude\\",
    key: "file",
  },
  cursor: { file: "mcp.json", where: "~/.cursor/ or <project>/.cursor/", key: "env" },
  vscode: { file: "mcp.json", where: "<project>/.vscode/ (VS Code asks for the key once and keeps it)", key: "prompt" },
  cline: { file: "cline_mcp_settings.json", where: "Cline: MCP Servers → Configure → Configure MCP Servers", key: "file" },
  kiro: { file: "mcp.json", where: "~/.kiro/settings/ or <project>/.kiro/settings/", key: "env" },
  windsurf: { file: "mcp_config.json", where: "~/.codeium/windsurf/", key: "env" },
  codex: { file: "config.toml", where: "~/.codex/config.toml (add the [mcp_servers.estat] table)", key: "env" },
  gemini: { file: "settings.json", where: "~/.gemini/settings.json or <project>/.gemini/settings.json", key: "env" },
} as const;

export type ClientName = keyof typeof CLIENTS;
export const CLIENT_NAMES = Object.keys(CLIENTS) as ClientName[];

/** The name the server appears under in every client. */
export const SERVER_NAME = "estat";
/** The environment variable the clients read the key from (unless `plain`). */
export const KEY_ENV = "ESTAT_MCP_API_KEY";
/** VS Code's input id: it prompts once (`password: true`) and keeps the answer in its secret storage. */
export const VSCODE_INPUT = "estat-mcp-api-key";
/** Claude Desktop's stdio bridge, pinned: `npx -y mcp-remote` would run whatever is newest that day. */
export const MCP_REMOTE = "mcp-remote@0.15.1";
/**
 * Per-call timeout for clients that have one, in seconds: above the server's own tool deadline
 * (TOOL_TIMEOUT_MS, 120 s), so the server's clear timeout error arrives before the client gives up.
 */
export const CLIENT_TOOL_TIMEOUT_S = 180;

/**
 * A server with MCP_AUTH=oauth: the files are the keyless ones (`clientConfigs(endpoint, undefined)`);
 * each client signs in itself when the server answers 401, and this says where that happens. Only
 * clients that do OAuth discovery and dynamic registration (or a client ID metadata document) can use
 * an authorization server without pre-registered clients (docs/oauth.md).
 */
export const OAUTH_SIGN_IN: Record<ClientName, string> = {
  "claude-code": "run /mcp in Claude Code and choose the server: it opens the browser to sign in",
  "claude-desktop":
    "better without this file: Settings → Connectors → Add custom connector with the URL (Claude signs in itself); with the file, mcp-remote opens the browser on first connect",
  cursor: "Settings → MCP shows the server as needing login: click it to sign in in the browser",
  vscode: "VS Code asks to authenticate when the server starts, then opens the browser",
  cline: "sign in from Cline's MCP Servers view if your version offers it; otherwise use a deployment with keys",
  kiro: "Kiro opens the browser on first connect (it needs dynamic client registration at the authorization server)",
  windsurf: "Windsurf opens the browser on first connect if your version supports OAuth; otherwise use a deployment with keys",
  codex: "run `codex mcp login estat`",
  gemini: "run /mcp auth estat in Gemini CLI",
};

export interface ClientConfigOptions {
  /** Write the key itself into every file instead of each client's secret mechanism. */
  plain?: boolean;
}

/** The one-liner that registers the server with Claude Code; the key stays in the environment. */
export function claudeCodeCommand(endpoint: string, apiKey: string | undefined, { plain = false }: ClientConfigOptions = {}): string {
  const header = apiKey === undefined ? "" : ` --header "X-API-Key: ${plain ? apiKey : `\${${KEY_ENV}}`}"`;
  return `claude mcp add --transport http ${SERVER_NAME} ${endpoint}${header}`;
}

/**
 * The configuration each MCP client needs to reach the server at `endpoint` (the `/mcp` URL). With an
 * `apiKey` each file names the key through the client's own mechanism (an environment variable, or
 * VS Code's password prompt); only clients whose file sits outside any project (Claude Desktop, Cline)
 * hold the key itself. Without one (a local server with MCP_AUTH=none) no header is sent.
 * Platform-neutral: every target produces an endpoint and a key.
 */
export function clientConfigs(
  endpoint: string,
  apiKey: string | undefined,
  { plain = false }: ClientConfigOptions = {},
): Record<ClientName, object> {
  const keyed = apiKey !== undefined;
  const header = (ref: string) => (keyed ? { headers: { "X-API-Key": plain ? apiKey : ref } } : {});
  const literal = keyed ? { headers: { "X-API-Key": apiKey } } : {};
  return {
    "claude-code": { mcpServers: { [SERVER_NAME]: { type: "http", url: endpoint, ...header(`\${${KEY_ENV}}`) } } },
    // Claude Desktop reaches remote servers through the mcp-remote stdio bridge. The key travels in an
    // environment variable: spaces inside args are mangled on Windows, hence `X-API-Key:${…}`.
    "claude-desktop": {
      mcpServers: {
        [SERVER_NAME]: {
          command: "npx",
          args: [
            "-y",
            MCP_REMOTE,
            endpoint,
            ...(keyed ? ["--header", `X-API-Key:\${${KEY_ENV}}`] : []),
            "--transport",
            "http-only",
            ...(endpoint.startsWith("http://") ? ["--allow-http"] : []),
          ],
          ...(keyed ? { env: { [KEY_ENV]: apiKey } } : {}),
        },
      },
    },
    cursor: { mcpServers: { [SERVER_NAME]: { url: endpoint, ...header(`\${env:${KEY_ENV}}`) } } },
    vscode: {
      ...(keyed && !plain
        ? { inputs: [{ type: "promptString", id: VSCODE_INPUT, description: "estat-mcp-cloud API key", password: true }] }
        : {}),
      servers: { [SERVER_NAME]: { type: "http", url: endpoint, ...header(`\${input:${VSCODE_INPUT}}`) } },
    },
    // Cline's file lives in the editor's own storage and has no variable syntax; its timeout is in seconds.
    cline: {
      mcpServers: {
        [SERVER_NAME]: { type: "streamableHttp", url: endpoint, ...literal, disabled: false, timeout: CLIENT_TOOL_TIMEOUT_S },
      },
    },
    kiro: { mcpServers: { [SERVER_NAME]: { url: endpoint, ...header(`\${${KEY_ENV}}`), disabled: false } } },
    windsurf: { mcpServers: { [SERVER_NAME]: { serverUrl: endpoint, ...header(`\${env:${KEY_ENV}}`) } } },
    // TOML in the file (the script renders it); `env_http_headers` maps a header to a variable's name.
    codex: {
      mcp_servers: {
        [SERVER_NAME]: {
          url: endpoint,
          ...(keyed ? (plain ? { http_headers: { "X-API-Key": apiKey } } : { env_http_headers: { "X-API-Key": KEY_ENV } }) : {}),
          tool_timeout_sec: CLIENT_TOOL_TIMEOUT_S,
        },
      },
    },
    // Gemini CLI expands $VAR / ${VAR} in settings.json strings; its timeout is in milliseconds.
    gemini: {
      mcpServers: { [SERVER_NAME]: { httpUrl: endpoint, ...header(`\${${KEY_ENV}}`), timeout: CLIENT_TOOL_TIMEOUT_S * 1000 } },
    },
  };
}

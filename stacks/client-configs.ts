/** The MCP clients we write configuration for, and the file each one reads. */
export const CLIENTS = {
  "claude-code": { file: ".mcp.json", where: "project root (or run the `command` shown)" },
  "claude-desktop": {
    file: "claude_desktop_config.json",
    where: "macOS ~/Library/Application Support/Claude/, Windows %APPDATA%\\Claude\\",
  },
  cursor: { file: "mcp.json", where: "~/.cursor/ or <project>/.cursor/" },
  vscode: { file: "mcp.json", where: "<project>/.vscode/" },
  cline: { file: "cline_mcp_settings.json", where: "Cline: MCP Servers → Configure → Configure MCP Servers" },
  kiro: { file: "mcp.json", where: "~/.kiro/settings/ or <project>/.kiro/settings/" },
  windsurf: { file: "mcp_config.json", where: "~/.codeium/windsurf/" },
} as const;

export type ClientName = keyof typeof CLIENTS;
export const CLIENT_NAMES = Object.keys(CLIENTS) as ClientName[];

/** The name the server appears under in every client. */
export const SERVER_NAME = "estat";

/** The one-liner that registers the server with Claude Code instead of writing `.mcp.json`. */
export function claudeCodeCommand(endpoint: string, apiKey: string): string {
  return `claude mcp add --transport http ${SERVER_NAME} ${endpoint} --header "X-API-Key: ${apiKey}"`;
}

/**
 * The exact configuration file content each MCP client needs to reach the server at `endpoint` (the `/mcp` URL)
 * with `apiKey`. Platform-neutral: every target produces an endpoint and a key.
 */
export function clientConfigs(endpoint: string, apiKey: string): Record<ClientName, object> {
  const headers = { "X-API-Key": apiKey };
  return {
    "claude-code": { mcpServers: { [SERVER_NAME]: { type: "http", url: endpoint, headers } } },
    // Claude Desktop reaches remote servers through the mcp-remote stdio bridge. The key travels in an
    // environment variable: spaces inside args are mangled on Windows, hence `X-API-Key:${…}`.
    "claude-desktop": {
      mcpServers: {
        [SERVER_NAME]: {
          command: "npx",
          args: [
            "-y",
            "mcp-remote",
            endpoint,
            "--header",
            "X-API-Key:${ESTAT_MCP_API_KEY}",
            "--transport",
            "http-only",
          ],
          env: { ESTAT_MCP_API_KEY: apiKey },
        },
      },
    },
    cursor: { mcpServers: { [SERVER_NAME]: { url: endpoint, headers } } },
    vscode: { servers: { [SERVER_NAME]: { type: "http", url: endpoint, headers } } },
    // Cline's timeout is in seconds: above the server's 60 s e-Stat timeout.
    cline: {
      mcpServers: {
        [SERVER_NAME]: { type: "streamableHttp", url: endpoint, headers, disabled: false, timeout: 120 },
      },
    },
    kiro: { mcpServers: { [SERVER_NAME]: { url: endpoint, headers, disabled: false } } },
    windsurf: { mcpServers: { [SERVER_NAME]: { serverUrl: endpoint, headers } } },
  };
}

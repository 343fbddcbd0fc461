/**
 * MCP_AUTH=none: everyone may call (loopback by default, or behind something that already decides).
 */
import type { Authenticator } from "./authenticator.ts";

export function noAuthenticator(): Authenticator {
  return {
    mode: "none",
    authenticate: async () => ({ ok: true, principal: { kind: "anonymous", id: "anonymous", scopes: [] } }),
    challenge() {
      throw new Error("MCP_AUTH=none never refuses a caller");
    },
    wellKnown: () => false,
  };
}

/** MCP_AUTH picks one Authenticator per deployment. */
import type { Config } from "../../config.ts";
import { apiKeyAuthenticator } from "./api-keys.ts";
import type { Authenticator } from "./authenticator.ts";
import { noAuthenticator } from "./no-auth.ts";
import { oauthAuthenticator } from "./oauth/index.ts";

export function createAuthenticator(auth: Config["auth"]): Authenticator {
  switch (auth.mode) {
    case "keys":
      return apiKeyAuthenticator(auth.keys);
    case "none":
      return noAuthenticator();
    case "oauth":
      if (!auth.oauth) throw new Error("MCP_AUTH=oauth without its settings (parseEnv makes them)");
      return oauthAuthenticator(auth.oauth);
  }
}

/**
 * npm run keygen: prints a new URL-safe API key and the environment line that enables it.
 * Rotation: append the new key to MCP_API_KEYS, move clients over, then drop the old key.
 */
import { keyId, newApiKey } from "../server/auth.ts";

const key = newApiKey();
process.stdout.write(
  `${key}\n\n` +
    `Server (comma-separate several keys to rotate):\n  MCP_API_KEYS=${key}\n` +
    `Clients send it as:\n  Authorization: Bearer ${key}\n  or X-API-Key: ${key}\n` +
    `Logs will name it ${keyId(key)}.\n`,
);

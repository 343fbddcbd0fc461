import { createHash, randomBytes } from "node:crypto";

/** A short, stable, non-reversible name for a key, safe to log. */
export function keyId(key: string): string {
  return `key_${createHash("sha256").update(key).digest("hex").slice(0, 8)}`;
}

/** A new URL-safe API key (base64url, 256 bits). */
export function newApiKey(): string {
  return `emc_${randomBytes(32).toString("base64url")}`;
}

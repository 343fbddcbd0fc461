import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A short, stable, non-reversible name for a key, safe to log. */
export function keyId(key: string): string {
  return `key_${createHash("sha256").update(key).digest("hex").slice(0, 8)}`;
}

/** A new URL-safe API key (base64url, 256 bits). */
export function newApiKey(): string {
  return `emc_${randomBytes(32).toString("base64url")}`;
}

/** Checks presented keys against the configured ones in constant time (per configured key). */
export function createKeyChecker(keys: readonly string[]) {
  const digests = keys.map((k) => ({ digest: createHash("sha256").update(k).digest(), id: keyId(k) }));
  return (presented: string | undefined): string | undefined => {
    if (!presented) return undefined;
    const d = createHash("sha256").update(presented).digest();
    let found: string | undefined;
    // Compare against every key without stopping early, so timing says nothing about which matched.
    for (const k of digests) if (timingSafeEqual(d, k.digest)) found = k.id;
    return found;
  };
}

/** `Authorization: Bearer <key>` or `X-API-Key: <key>`; tolerant of clients that URL-encode header values. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  const bearer = typeof auth === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] : undefined;
  const xKey = headers["x-api-key"];
  const raw = bearer ?? (typeof xKey === "string" ? xKey.trim() : undefined);
  if (!raw) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * A start-up configuration problem; the message lists every bad key and what it accepts. Its own module so
 * that config-oauth.ts can throw it without importing config.ts, which imports config-oauth.ts.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The lake's bounds, in a module light enough to import at start-up (see lazy.ts). */

/** Rows a query returns by default, and at most. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

/**
 * Groups one query may hold (LAKE_QUERY_MAX_GROUPS): each costs a few hundred bytes, so the default
 * keeps one query's groups near 10 MB (measured in npm run bench:query).
 */
export const DEFAULT_MAX_GROUPS = 20_000;

/** Longest life of a download link: 7 days (S3's presigned-URL maximum). */
export const MAX_DOWNLOAD_SECONDS = 7 * 24 * 3600;

/** The query bounds' defaults; see QueryLimits in types.ts and the README's limits table. */
export const DEFAULT_QUERY_LIMITS = { concurrency: 2, queue: 8, perKey: 2, maxGroups: DEFAULT_MAX_GROUPS };

/** The lake's bounds, in a module light enough to import at start-up (see lazy.ts). */

/** Rows a query returns by default, and at most. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

/** Longest life of a download link: 7 days (S3's presigned-URL maximum). */
export const MAX_DOWNLOAD_SECONDS = 7 * 24 * 3600;

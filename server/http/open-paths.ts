/** Paths every caller may reach without a key or an allowed Host: the load balancer's health checks. */
export const OPEN_PATHS = new Set(["/healthz", "/readyz"]);

export const isOpenPath = (path: string): boolean => OPEN_PATHS.has(path);

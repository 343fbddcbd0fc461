/**
 * What every floor of the benchmarks answers with (bench/sdk-floor.ts, bench/sdk-floor-lambda.ts,
 * bench/parts-app.ts): our tool definitions and pooled servers (server/mcp.ts), with /mcp's defaults for the
 * timings that matter. tools/list and get_table_url touch neither e-Stat nor the lake, so the tools get none.
 */
import { createMcp } from "../server/mcp.ts";
import { createTools } from "../server/tools/index.ts";
import type { ToolDeps } from "../server/tools/registry.ts";

export const FLOOR_TOOLS = createTools({} as ToolDeps);

export function floorMcp() {
  return createMcp({ tools: FLOOR_TOOLS, streamAfterMs: 3000, keepAliveMs: 15_000, toolTimeoutMs: 60_000, maxBodyBytes: 1 << 20 });
}

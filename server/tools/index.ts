import { getDataCatalogTool } from "./get-data-catalog.ts";
import { getDownloadUrlTool } from "./get-download-url.ts";
import { getMetaInfoTool } from "./get-meta-info.ts";
import { getStatsDataTool } from "./get-stats-data.ts";
import { getTableUrlTool } from "./get-table-url.ts";
import { listDatasetsTool } from "./list-datasets.ts";
import { queryDatasetTool } from "./query-dataset.ts";
import type { ToolDef, ToolDeps } from "./registry.ts";
import { saveDatasetTool } from "./save-dataset.ts";
import { searchStatsTool } from "./search-stats.ts";

/** Every tool the server offers, in the order clients list them. */
export function createTools(deps: ToolDeps): ToolDef[] {
  return [
    searchStatsTool(deps),
    getMetaInfoTool(deps),
    getStatsDataTool(deps),
    getDataCatalogTool(deps),
    getTableUrlTool(),
    saveDatasetTool(deps),
    listDatasetsTool(deps),
    queryDatasetTool(deps),
    getDownloadUrlTool(deps),
  ];
}

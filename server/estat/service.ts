/**
 * e-Stat operations in the vocabulary of our tools: tables, dimensions, rows. Uses the client for
 * HTTP and the normaliser for quirks; knows nothing of MCP or Koa.
 */
import type { EstatClient } from "./client.ts";
import { EstatError } from "./errors.ts";
import { type Filters, type ResolvedFilters, resolveFilters } from "./filters.ts";
import {
  columns,
  type Dimension,
  dimensions,
  notes,
  type Row,
  rows,
  type StatsTable,
  table,
  text,
  toArray,
  uniqueTables,
} from "./normalize.ts";
import type { RawStatsDataBody } from "./schemas.ts";

export { type Filters, InputError, type ResolvedFilters, resolveClass } from "./filters.ts";

export type Lang = "J" | "E";

export interface SearchQuery {
  query?: string;
  surveyYears?: string;
  statsField?: string;
  statsCode?: string;
  collectArea?: "1" | "2" | "3";
  limit: number;
  startPosition?: number;
  lang?: Lang;
}

export interface TableMeta {
  statsDataId: string;
  table: StatsTable;
  dimensions: Dimension[];
  stale: boolean;
}

export interface ColumnPage {
  total: number;
  nextPosition?: number;
  columns: ReturnType<typeof columns>;
  notes: Record<string, string>;
  bytes: Uint8Array;
}

export interface DataPage {
  total: number;
  nextPosition?: number;
  rows: Row[];
  notes: Record<string, string>;
  bytes: Uint8Array;
  stale: boolean;
}

/** The most rows e-Stat returns in one call. */
export const MAX_PAGE = 100_000;

/**
 * getStatsList and getDataCatalog page a search the same way: the same search word, survey code and
 * paging parameters in; NUMBER (matches in all) and RESULT_INF.NEXT_KEY (where the next page starts) out.
 */
function listParams(q: { query?: string; statsCode?: string; limit: number; startPosition?: number }) {
  return { searchWord: q.query, statsCode: q.statsCode, limit: q.limit, startPosition: q.startPosition };
}
function listPaging(inf: { NUMBER?: number; RESULT_INF?: { NEXT_KEY?: number } } | undefined) {
  return { total: Number(inf?.NUMBER ?? 0), nextPosition: inf?.RESULT_INF?.NEXT_KEY };
}

export class EstatService {
  readonly client: EstatClient;
  constructor(client: EstatClient) {
    this.client = client;
  }

  async search(q: SearchQuery, signal?: AbortSignal) {
    const answer = await this.client.call(
      "getStatsList",
      { ...listParams(q), surveyYears: q.surveyYears, statsField: q.statsField, collectArea: q.collectArea, lang: q.lang },
      { signal, cache: true },
    );
    const inf = answer.data.GET_STATS_LIST.DATALIST_INF;
    return {
      ...listPaging(inf),
      tables: uniqueTables(toArray(inf?.TABLE_INF)),
      stale: answer.stale,
    };
  }

  async meta(statsDataId: string, signal?: AbortSignal, lang?: Lang): Promise<TableMeta> {
    const answer = await this.client.call("getMetaInfo", { statsDataId, lang }, { signal, cache: true });
    const inf = answer.data.GET_META_INFO.METADATA_INF;
    if (!inf) {
      throw new EstatError(
        "not_found",
        `e-Stat has no metadata for table ${statsDataId}. Find table ids with search_stats first.`,
      );
    }
    return {
      statsDataId,
      table: table(inf.TABLE_INF),
      dimensions: dimensions(toArray(inf.CLASS_INF?.CLASS_OBJ)),
      stale: answer.stale,
    };
  }

  /** Turn codes or class names into e-Stat parameters, through the table's metadata (see filters.ts). */
  resolveFilters(meta: TableMeta, filters: Filters = {}): ResolvedFilters {
    return resolveFilters(meta.statsDataId, meta.dimensions, filters);
  }

  /** One page of getStatsData as rows, labelled with the table's metadata. */
  async data(
    meta: TableMeta,
    resolved: ResolvedFilters,
    opts: { limit: number; startPosition?: number; signal?: AbortSignal; cache?: boolean; lang?: Lang },
  ): Promise<DataPage & { source: "estat" }> {
    const { body, page, stale } = await this.#statsData(meta, resolved, opts);
    return { ...page, rows: rows(body, meta.dimensions), stale, source: "estat" };
  }

  /** One page for the data lake: column arrays (no object per row), at e-Stat's largest page size. */
  async columnPage(
    meta: TableMeta,
    resolved: ResolvedFilters,
    opts: { startPosition?: number; signal?: AbortSignal; pageSize?: number } = {},
  ): Promise<ColumnPage> {
    const { body, page } = await this.#statsData(meta, resolved, {
      limit: opts.pageSize ?? MAX_PAGE,
      startPosition: opts.startPosition,
      signal: opts.signal,
      cache: false,
    });
    return { ...page, columns: columns(body, meta.dimensions) };
  }

  /**
   * Every page of a table for the lake, following NEXT_KEY. Only one page is held at a time: the one the
   * consumer has, never that one and the next. `first` is the page already fetched to learn the total.
   */
  async *columnPages(
    meta: TableMeta,
    resolved: ResolvedFilters,
    opts: { signal?: AbortSignal; first?: ColumnPage; pageSize?: number } = {},
  ): AsyncGenerator<ColumnPage> {
    let page: ColumnPage | undefined =
      opts.first ?? (await this.columnPage(meta, resolved, { signal: opts.signal, pageSize: opts.pageSize }));
    while (page) {
      const next: number | undefined = page.nextPosition;
      yield page;
      // Let go of the page the consumer is done with before fetching the next one.
      // eslint-disable-next-line no-useless-assignment
      page = undefined;
      if (!next) break;
      opts.signal?.throwIfAborted();
      page = await this.columnPage(meta, resolved, { startPosition: next, signal: opts.signal, pageSize: opts.pageSize });
    }
  }

  async #statsData(
    meta: TableMeta,
    resolved: ResolvedFilters,
    opts: { limit: number; startPosition?: number; signal?: AbortSignal; cache?: boolean; lang?: Lang },
  ) {
    const answer = await this.client.call(
      "getStatsData",
      {
        statsDataId: meta.statsDataId,
        ...resolved.params,
        limit: opts.limit,
        startPosition: opts.startPosition,
        metaGetFlg: "N",
        cntGetFlg: "N",
        sectionHeaderFlg: "2",
        lang: opts.lang,
      },
      { signal: opts.signal, cache: opts.cache ?? opts.limit <= 1000 },
    );
    const body: RawStatsDataBody = answer.data.GET_STATS_DATA.STATISTICAL_DATA ?? {};
    // What a page says besides its values, rows or columns alike: the total, where the next page
    // starts, the notes on symbols, and the bytes e-Stat sent (the lake keeps them).
    const page = {
      total: Number(body.RESULT_INF?.TOTAL_NUMBER ?? 0),
      nextPosition: body.RESULT_INF?.NEXT_KEY,
      notes: notes(body),
      bytes: answer.bytes,
    };
    return { body, page, stale: answer.stale };
  }

  async catalog(
    q: { query?: string; statsCode?: string; dataType?: string; limit: number; startPosition?: number },
    signal?: AbortSignal,
  ) {
    const answer = await this.client.call(
      "getDataCatalog",
      { ...listParams(q), dataType: q.dataType },
      { signal, cache: true },
    );
    const inf = answer.data.GET_DATA_CATALOG.DATA_CATALOG_LIST_INF;
    const titleOf = (t: unknown) => text((t as { NAME?: unknown } | undefined)?.NAME ?? t);
    return {
      ...listPaging(inf),
      entries: toArray(inf?.DATA_CATALOG_INF).map((c) => ({
        id: c["@id"],
        title: titleOf(c.DATASET?.TITLE),
        statName: text(c.DATASET?.STAT_NAME),
        govOrg: text(c.DATASET?.GOV_ORG),
        landingPage: c.DATASET?.LANDING_PAGE ?? "",
        updatedDate: text(c.DATASET?.LAST_MODIFIED_DATE),
        resources: toArray(c.RESOURCES?.RESOURCE).map((r) => ({
          id: r["@id"] ?? "",
          title: titleOf(r.TITLE),
          url: r.URL ?? "",
          format: text(r.FORMAT),
          updatedDate: text(r.LAST_MODIFIED_DATE ?? r.RELEASE_DATE),
        })),
      })),
      stale: answer.stale,
    };
  }
}

/**
 * A real HTTP server standing in for e-Stat: it replays the recorded responses in test/fixtures/estat,
 * filters and pages their rows as e-Stat does, and lets a test script faults (slow, 500, reset, garbage,
 * HTML 403) per endpoint. Used by the tests, the benchmarks and `npm run demo`.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { SyntheticTable } from "./estat-table.ts";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");
const load = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));

export type Json = Record<string, any>;

export interface Reply {
  status?: number;
  /** An object is sent as JSON; a string as is (HTML, XML, garbage). */
  body?: unknown;
  contentType?: string;
  delayMs?: number;
  /** Destroy the socket instead of answering. */
  reset?: boolean;
}

export type Handler = (params: URLSearchParams) => Reply | undefined | Promise<Reply | undefined>;

export interface FakeTable {
  tableInf: Json;
  classObjs: Json[];
  notes: Json[];
  values: Json[];
}

export interface Call {
  endpoint: string;
  params: Record<string, string>;
}

const ok = (date = "2026-11-20T10:00:00.000+09:00") => ({
  STATUS: 0,
  ERROR_MSG: "正常に終了しました。",
  DATE: date,
});
const arr = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** The tables the recorded fixtures describe, keyed by statsDataId. */
export function recordedTables(): Map<string, FakeTable> {
  const tables = new Map<string, FakeTable>();
  const meta = load("estat/getMetaInfo_0003445078_census2020_area_trimmed.json").GET_META_INFO.METADATA_INF;
  const census = load("estat/getStatsData_0003445078_DATA_INF_only_cdArea14.json");
  tables.set("0003445078", {
    tableInf: meta.TABLE_INF,
    classObjs: arr(meta.CLASS_INF.CLASS_OBJ),
    notes: arr(census.NOTE),
    values: arr(census.VALUE),
  });
  for (const file of [
    "estat/getStatsData_0000020202_metaGetFlgY_limit10_paginated_NEXT_KEY.json",
    "estat/getStatsData_0003425893_NARROWING_COND_single_object_NOTE_and_CLASS_unicode_escaped.json",
    "estat/getStatsData_v2.1_0003215840_metaGetFlgY_nkmk.json",
  ]) {
    const sd = load(file).GET_STATS_DATA.STATISTICAL_DATA;
    tables.set(sd.TABLE_INF["@id"], {
      tableInf: sd.TABLE_INF,
      classObjs: arr(sd.CLASS_INF.CLASS_OBJ),
      notes: arr(sd.DATA_INF.NOTE),
      values: arr(sd.DATA_INF.VALUE),
    });
  }
  return tables;
}

export class FakeEstat {
  readonly appId: string;
  readonly tables: Map<string, FakeTable>;
  readonly calls: Call[] = [];
  /** Calls whose client went away before the (delayed) answer: the server aborted them. */
  abandoned = 0;
  #server: Server;
  #overrides = new Map<string, Handler>();
  #synthetic = new Map<string, SyntheticTable>();

  constructor(opts: { appId?: string; tables?: Map<string, FakeTable> } = {}) {
    this.appId = opts.appId ?? "fake-app-id-0123456789";
    this.tables = opts.tables ?? recordedTables();
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(port, "127.0.0.1", resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/rest/3.0/app`;
  }

  /**
   * Script one endpoint ("getStatsData"…, or "*"): the reply's fields override the recorded answer's
   * (`{ delayMs: 5000 }` is the recorded answer, late); return undefined to fall through.
   */
  on(endpoint: string, handler: Handler): this {
    this.#overrides.set(endpoint, handler);
    return this;
  }

  /** Serve a generated table (test/helpers/estat-table.ts) page by page, as e-Stat would. */
  addSynthetic(table: SyntheticTable): this {
    this.#synthetic.set(table.statsDataId, table);
    return this;
  }

  reset(): void {
    this.#overrides.clear();
    this.calls.length = 0;
    this.abandoned = 0;
  }

  callsTo(endpoint: string): Call[] {
    return this.calls.filter((c) => c.endpoint === endpoint);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://fake");
    const endpoint = url.pathname.split("/").at(-1) ?? "";
    const params = url.searchParams;
    this.calls.push({ endpoint, params: Object.fromEntries(params) });
    const scripted = this.#overrides.get(endpoint) ?? this.#overrides.get("*");
    // A scripted reply overrides what the recorded answer would be; fields it leaves out come from it.
    const reply = { ...this.#default(endpoint, params), ...(scripted ? await scripted(params) : undefined) };
    if (reply.delayMs) {
      await new Promise((r) => setTimeout(r, reply.delayMs));
      if (req.destroyed || res.destroyed) {
        this.abandoned += 1;
        return;
      }
    }
    if (reply.reset) {
      req.socket.destroy();
      return;
    }
    const body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, {
      "content-type":
        reply.contentType ??
        (typeof reply.body === "string" ? "text/html" : "application/json;charset=utf-8"),
    });
    res.end(body);
  }

  #default(endpoint: string, params: URLSearchParams): Reply {
    if (params.get("appId") !== this.appId) {
      // What e-Stat's firewall sends for a bad appId: HTTP 403 and an XML body, not JSON.
      return {
        status: 403,
        contentType: "application/xml",
        body: `<?xml version="1.0" encoding="UTF-8"?><GET_STATS_DATA><RESULT><STATUS>100</STATUS><ERROR_MSG>認証に失敗しました。アプリケーションIDを確認して下さい。</ERROR_MSG></RESULT></GET_STATS_DATA>`,
      };
    }
    const synthetic = this.#synthetic.get(params.get("statsDataId") ?? "");
    if (synthetic && endpoint === "getStatsData") {
      const limit = Math.min(Number(params.get("limit") ?? synthetic.pageSize), synthetic.pageSize);
      return { body: Buffer.from(synthetic.pageBody(Number(params.get("startPosition") ?? 1), limit)).toString("utf8") , contentType: "application/json" };
    }
    if (synthetic && endpoint === "getMetaInfo") {
      const sd = (synthetic.page(1, 1) as Json).GET_STATS_DATA.STATISTICAL_DATA;
      return {
        body: {
          GET_META_INFO: {
            RESULT: ok(),
            METADATA_INF: { TABLE_INF: sd.TABLE_INF, CLASS_INF: sd.CLASS_INF },
          },
        },
      };
    }
    switch (endpoint) {
      case "getStatsList":
        return { body: pageList(this.#statsList(params), "GET_STATS_LIST", "DATALIST_INF", "TABLE_INF", params) };
      case "getMetaInfo":
        return this.#metaInfo(params);
      case "getStatsData":
        return this.#statsData(params);
      case "getDataCatalog":
        return { body: pageList(catalogOfType(params.get("dataType")), "GET_DATA_CATALOG", "DATA_CATALOG_LIST_INF", "DATA_CATALOG_INF", params) };
      default:
        return { status: 404, body: "<html><body>Not Found</body></html>" };
    }
  }

  #statsList(params: URLSearchParams) {
    if (params.get("statsNameList") === "Y")
      return load("estat/getStatsList_statsNameListY_searchWord_kokusei.json");
    if (params.get("statsCode") === "00200524") {
      return load("estat/getStatsList_v2.1_statsCode00200524_surveyYears2017_nkmk.json");
    }
    if (params.get("statsCode") === "00200502")
      return load("estat/getStatsList_single_TABLE_INF_object_trimmed.json");
    if (params.get("searchWord") === "該当なし") {
      return {
        GET_STATS_LIST: {
          RESULT: { STATUS: 1, ERROR_MSG: "正常に終了しましたが、該当データはありませんでした。" },
        },
      };
    }
    return load(
      "estat/getStatsList_searchWord_danjobetsu_statsCode00200521_surveyYears2020_limit40_NEXT_KEY.json",
    );
  }

  #notFound(root: string, id: string): Reply {
    return {
      status: 400,
      body: { [root]: { RESULT: { STATUS: 300, ERROR_MSG: `統計表ID=[${id}]のデータは存在しません。` } } },
    };
  }

  #metaInfo(params: URLSearchParams): Reply {
    const id = params.get("statsDataId") ?? "";
    const t = this.tables.get(id);
    if (!t) return this.#notFound("GET_META_INFO", id);
    return {
      body: {
        GET_META_INFO: {
          RESULT: ok(),
          PARAMETER: { LANG: "J", STATS_DATA_ID: id, DATA_FORMAT: "J" },
          METADATA_INF: { TABLE_INF: t.tableInf, CLASS_INF: { CLASS_OBJ: t.classObjs } },
        },
      },
    };
  }

  #statsData(params: URLSearchParams): Reply {
    const id = params.get("statsDataId") ?? "";
    const t = this.tables.get(id);
    if (!t) return this.#notFound("GET_STATS_DATA", id);
    let values = t.values;
    for (const obj of t.classObjs) {
      const dim = obj["@id"] as string;
      const cap = dim.charAt(0).toUpperCase() + dim.slice(1);
      const codes = params.get(`cd${cap}`);
      if (codes) {
        const wanted = new Set(codes.split(","));
        values = values.filter((v) => wanted.has(String(v[`@${dim}`])));
      }
      const level = params.get(`lv${cap}`);
      if (level) {
        const atLevel = new Set(
          arr(obj.CLASS)
            .filter((c: Json) => String(c["@level"]) === level)
            .map((c: Json) => c["@code"]),
        );
        values = values.filter((v) => atLevel.has(v[`@${dim}`]));
      }
    }
    const total = values.length;
    if (total === 0) {
      return {
        body: {
          GET_STATS_DATA: {
            RESULT: { STATUS: 1, ERROR_MSG: "正常に終了しましたが、該当データはありませんでした。" },
          },
        },
      };
    }
    const start = Number(params.get("startPosition") ?? 1);
    const limit = Math.min(Number(params.get("limit") ?? 100_000), 100_000);
    const page = values.slice(start - 1, start - 1 + limit);
    const next = start - 1 + limit < total ? start + limit : undefined;
    const body: Json = {
      RESULT_INF: {
        TOTAL_NUMBER: total,
        FROM_NUMBER: start,
        TO_NUMBER: start + page.length - 1,
        ...(next ? { NEXT_KEY: next } : {}),
      },
      TABLE_INF: t.tableInf,
      ...(params.get("metaGetFlg") === "N" ? {} : { CLASS_INF: { CLASS_OBJ: t.classObjs } }),
      DATA_INF: {
        ...(t.notes.length === 1 ? { NOTE: t.notes[0] } : t.notes.length > 1 ? { NOTE: t.notes } : {}),
        VALUE: page.length === 1 ? page[0] : page,
      },
    };
    return {
      body: {
        GET_STATS_DATA: { RESULT: ok(), PARAMETER: { LANG: "J", STATS_DATA_ID: id }, STATISTICAL_DATA: body },
      },
    };
  }
}

/** The recorded catalog, narrowed as e-Stat does by `dataType` to entries (and files) of that format. */
function catalogOfType(dataType: string | null): Json {
  const answer = load("constructed/getDataCatalog_kakei.json");
  if (!dataType) return answer;
  const inf = answer.GET_DATA_CATALOG.DATA_CATALOG_LIST_INF;
  const entries = arr<Json>(inf.DATA_CATALOG_INF).flatMap((e) => {
    const files = arr<Json>(e.RESOURCES?.RESOURCE).filter((r) => r.FORMAT === dataType);
    return files.length > 0 ? [{ ...e, RESOURCES: { RESOURCE: files } }] : [];
  });
  inf.DATA_CATALOG_INF = entries;
  inf.NUMBER = entries.length;
  inf.RESULT_INF = { FROM_NUMBER: entries.length > 0 ? 1 : 0, TO_NUMBER: entries.length };
  return answer;
}

/**
 * One page of a recorded list answer, as e-Stat pages it: `limit` items from `startPosition`, with
 * NEXT_KEY while the recorded total (NUMBER, which may exceed what was recorded) has more.
 */
function pageList(answer: Json, root: string, listKey: string, itemKey: string, params: URLSearchParams): Json {
  const inf = answer[root]?.[listKey];
  if (!inf || inf[itemKey] === undefined) return answer;
  const recorded = arr<Json>(inf[itemKey]);
  const from = Number(inf.RESULT_INF?.FROM_NUMBER ?? 1);
  const start = Number(params.get("startPosition") ?? from);
  const limit = Number(params.get("limit") ?? recorded.length);
  const total = Number(inf.NUMBER ?? recorded.length);
  const items = recorded.slice(start - from, start - from + limit);
  const next = start - 1 + limit < total ? start + limit : undefined;
  return {
    ...answer,
    [root]: {
      ...answer[root],
      [listKey]: {
        ...inf,
        RESULT_INF: { FROM_NUMBER: start, TO_NUMBER: start + items.length - 1, ...(next ? { NEXT_KEY: next } : {}) },
        [itemKey]: items.length === 1 ? items[0] : items,
      },
    },
  };
}

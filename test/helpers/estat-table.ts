/**
 * A deterministic synthetic e-Stat table in the recorded getStatsData JSON shape
 * (GET_STATS_DATA.RESULT / PARAMETER / STATISTICAL_DATA{RESULT_INF, TABLE_INF, CLASS_INF.CLASS_OBJ,
 * DATA_INF{NOTE, VALUE}}), paged with NEXT_KEY like the real API. Dimensions: tab (a single CLASS object,
 * as e-Stat sends one class), cat01 (codes with leading zeros, units), area (全国 + 47 prefectures, codes
 * with leading zeros, @parentCode), time (fastest-varying). Some values are the symbols "-", "X", "***".
 * `row(i)` is the truth the tests compare against, computed without parsing any JSON.
 */
import type { DimensionMeta, Row } from "../../server/lake/types.ts";

const PREFECTURES =
  "北海道 青森県 岩手県 宮城県 秋田県 山形県 福島県 茨城県 栃木県 群馬県 埼玉県 千葉県 東京都 神奈川県 新潟県 富山県 石川県 福井県 山梨県 長野県 岐阜県 静岡県 愛知県 三重県 滋賀県 京都府 大阪府 兵庫県 奈良県 和歌山県 鳥取県 島根県 岡山県 広島県 山口県 徳島県 香川県 愛媛県 高知県 福岡県 佐賀県 長崎県 熊本県 大分県 宮崎県 鹿児島県 沖縄県".split(
    " ",
  );
const CATEGORIES: [string, string, string][] = [
  ["001", "A1101_総人口", "人"],
  ["002", "A110101_総人口（男）", "人"],
  ["003", "A110102_総人口（女）", "人"],
  ["004", "A7101_世帯数", "世帯"],
  ["005", "B1101_総面積", "ｈａ"],
  ["006", "B1103_可住地面積", "ｈａ"],
  ["007", "C120110_県内総生産額, 名目", "百万円"],
  ["008", 'D2201_"歳出"決算総額', "千円"],
];
export const NOTES: Record<string, string> = {
  "***": "調査又は集計していないもの",
  "-": "データが得られないもの",
  X: "数値が秘匿されているもの",
};

export interface SyntheticTableOptions {
  rows: number;
  statsDataId?: string;
  /** Rows per page (e-Stat's maximum is 100,000). */
  pageSize?: number;
  updatedDate?: string;
}

export class SyntheticTable {
  readonly statsDataId: string;
  readonly title = "Ｂ　合成テスト表（都道府県・年度）";
  readonly totalNumber: number;
  readonly pageSize: number;
  readonly updatedDate: string;
  readonly years: number;
  readonly areas: { code: string; name: string; parentCode?: string }[];

  constructor(opts: SyntheticTableOptions) {
    this.statsDataId = opts.statsDataId ?? "0009990001";
    this.totalNumber = opts.rows;
    this.pageSize = opts.pageSize ?? 100_000;
    this.updatedDate = opts.updatedDate ?? "2025-06-20";
    this.areas = [
      { code: "00000", name: "全国" },
      ...PREFECTURES.map((name, k) => ({
        code: `${String(k + 1).padStart(2, "0")}000`,
        name,
        parentCode: "00000",
      })),
    ];
    this.years = Math.max(1, Math.ceil(opts.rows / (CATEGORIES.length * this.areas.length)));
  }

  /** The index tuple of row i: time varies fastest, as e-Stat orders VALUE. */
  private parts(i: number) {
    const t = i % this.years;
    const r = Math.floor(i / this.years);
    const a = r % this.areas.length;
    const c = Math.floor(r / this.areas.length) % CATEGORIES.length;
    return { t, a, c };
  }

  private timeCode(t: number) {
    return `${1900 + t}100000`;
  }

  /** The value as e-Stat sends it: a number in a string, or a symbol. */
  rawValue(i: number): string {
    if (i % 97 === 13) return "-";
    if (i % 89 === 7) return "X";
    if (i % 83 === 5) return "***";
    const v = (i * 7919) % 1_000_003;
    return i % 3 === 0 ? (v / 10).toFixed(1) : String(v);
  }

  /** Row i (0-based) as the lake stores it. */
  row(i: number): Row {
    const { t, a, c } = this.parts(i);
    const raw = this.rawValue(i);
    const [code, name, unit] = CATEGORIES[c];
    return {
      tab: "00001",
      tabName: "観測値",
      cat01: code,
      cat01Name: name,
      area: this.areas[a].code,
      areaName: this.areas[a].name,
      time: this.timeCode(t),
      timeName: `${1900 + t}年度`,
      unit,
      value: /^[0-9.]+$/.test(raw) ? Number(raw) : null,
      raw,
    };
  }

  rows(from: number, to: number): Row[] {
    const out: Row[] = [];
    for (let i = from; i < to; i++) out.push(this.row(i));
    return out;
  }

  dimensions(): DimensionMeta[] {
    return [
      { id: "tab", name: "観測値", classes: [{ code: "00001", name: "観測値", level: "1" }] },
      {
        id: "cat01",
        name: "Ｂ　合成",
        classes: CATEGORIES.map(([code, name, unit]) => ({ code, name, level: "1", unit })),
      },
      {
        id: "area",
        name: "地域",
        classes: this.areas.map((x) => ({
          code: x.code,
          name: x.name,
          level: x.parentCode ? "2" : "1",
          ...(x.parentCode ? { parentCode: x.parentCode } : {}),
        })),
      },
      {
        id: "time",
        name: "調査年",
        classes: Array.from({ length: this.years }, (_, t) => ({
          code: this.timeCode(t),
          name: `${1900 + t}年度`,
          level: "1",
        })),
      },
    ];
  }

  /** 1-based start positions of the pages, as NEXT_KEY chains them. */
  pageStarts(): number[] {
    const out: number[] = [];
    for (let s = 1; s <= this.totalNumber; s += this.pageSize) out.push(s);
    return out.length ? out : [1];
  }

  private classObjs() {
    const [tab, cat01, area, time] = this.dimensions();
    const cls = (c: DimensionMeta["classes"][number]) => ({
      "@code": c.code,
      "@name": c.name,
      "@level": c.level,
      ...(c.unit ? { "@unit": c.unit } : {}),
      ...(c.parentCode ? { "@parentCode": c.parentCode } : {}),
    });
    return [
      // A single class comes back as an object, not an array.
      { "@id": tab.id, "@name": tab.name, CLASS: cls(tab.classes[0]) },
      ...[cat01, area, time].map((d) => ({ "@id": d.id, "@name": d.name, CLASS: d.classes.map(cls) })),
    ];
  }

  /** The getStatsData response for startPosition (1-based), as e-Stat sends it. */
  page(startPosition = 1, limit = this.pageSize): unknown {
    const from = startPosition;
    const to = Math.min(this.totalNumber, startPosition + limit - 1);
    const values = [];
    for (let i = from - 1; i < to; i++) {
      const { t, a, c } = this.parts(i);
      values.push({
        "@tab": "00001",
        "@cat01": CATEGORIES[c][0],
        "@area": this.areas[a].code,
        "@time": this.timeCode(t),
        "@unit": CATEGORIES[c][2],
        $: this.rawValue(i),
      });
    }
    const resultInf: Record<string, number> = {
      TOTAL_NUMBER: this.totalNumber,
      FROM_NUMBER: from,
      TO_NUMBER: to,
    };
    if (to < this.totalNumber) resultInf.NEXT_KEY = to + 1;
    return {
      GET_STATS_DATA: {
        RESULT: { STATUS: 0, ERROR_MSG: "正常に終了しました。", DATE: "2025-07-16T11:39:54.831+09:00" },
        PARAMETER: {
          LANG: "J",
          STATS_DATA_ID: this.statsDataId,
          DATA_FORMAT: "J",
          START_POSITION: startPosition,
          LIMIT: limit,
          METAGET_FLG: "Y",
        },
        STATISTICAL_DATA: {
          RESULT_INF: resultInf,
          TABLE_INF: {
            "@id": this.statsDataId,
            STAT_NAME: { "@code": "00200502", $: "社会・人口統計体系" },
            GOV_ORG: { "@code": "00200", $: "総務省" },
            STATISTICS_NAME: "合成データ（試験用）",
            TITLE: { "@no": this.statsDataId, $: this.title },
            CYCLE: "年度次",
            SURVEY_DATE: 0,
            OPEN_DATE: this.updatedDate,
            SMALL_AREA: 0,
            COLLECT_AREA: "都道府県",
            MAIN_CATEGORY: { "@code": "99", $: "その他" },
            SUB_CATEGORY: { "@code": "99", $: "その他" },
            OVERALL_TOTAL_NUMBER: this.totalNumber,
            UPDATED_DATE: this.updatedDate,
          },
          CLASS_INF: { CLASS_OBJ: this.classObjs() },
          DATA_INF: {
            NOTE: Object.entries(NOTES).map(([char, text]) => ({ "@char": char, $: text })),
            VALUE: values,
          },
        },
      },
    };
  }

  pageBody(startPosition = 1, limit = this.pageSize): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.page(startPosition, limit)));
  }
}

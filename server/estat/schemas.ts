/**
 * zod schemas for the parts of e-Stat's JSON we read. Loose on purpose: e-Stat adds fields, and
 * anything not listed passes through untouched; what we do read is checked here, once.
 */
import { z } from "zod";

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([z.array(item), item]).optional();
const textish = z.union([
  z.string(),
  z.number(),
  z.looseObject({ $: z.union([z.string(), z.number()]).optional() }),
]);
const num = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);

export const Result = z.looseObject({
  STATUS: num,
  ERROR_MSG: z.string().optional().default(""),
});

export const RawTableInf = z.looseObject({
  "@id": z.string(),
  STAT_NAME: textish.optional(),
  GOV_ORG: textish.optional(),
  STATISTICS_NAME: textish.optional(),
  TITLE: textish.optional(),
  CYCLE: textish.optional(),
  SURVEY_DATE: z.union([z.string(), z.number()]).optional(),
  OPEN_DATE: textish.optional(),
  COLLECT_AREA: textish.optional(),
  MAIN_CATEGORY: textish.optional(),
  SUB_CATEGORY: textish.optional(),
  OVERALL_TOTAL_NUMBER: z.union([z.number(), z.string()]).optional(),
  UPDATED_DATE: textish.optional(),
});
export type RawTableInf = z.infer<typeof RawTableInf>;

const ResultInf = z
  .looseObject({
    TOTAL_NUMBER: num.optional(),
    FROM_NUMBER: num.optional(),
    TO_NUMBER: num.optional(),
    NEXT_KEY: num.optional(),
  })
  .optional();

export const StatsListResponse = z.object({
  GET_STATS_LIST: z.looseObject({
    RESULT: Result,
    DATALIST_INF: z
      .looseObject({
        NUMBER: num.optional(),
        RESULT_INF: ResultInf,
        TABLE_INF: oneOrMany(RawTableInf),
        LIST_INF: oneOrMany(z.looseObject({ "@id": z.string(), STAT_NAME: textish.optional() })),
      })
      .optional(),
  }),
});

const RawClass = z.looseObject({
  "@code": z.union([z.string(), z.number()]),
  "@name": z.string().optional(),
  "@level": z.union([z.string(), z.number()]).optional(),
  "@unit": z.string().optional(),
  "@parentCode": z.union([z.string(), z.number()]).optional(),
});

export const RawClassObj = z.looseObject({
  "@id": z.string(),
  "@name": z.string(),
  CLASS: oneOrMany(RawClass),
});
export type RawClassObj = z.infer<typeof RawClassObj>;

const ClassInf = z.looseObject({ CLASS_OBJ: oneOrMany(RawClassObj) }).optional();

export const MetaInfoResponse = z.object({
  GET_META_INFO: z.looseObject({
    RESULT: Result,
    METADATA_INF: z.looseObject({ TABLE_INF: RawTableInf, CLASS_INF: ClassInf }).optional(),
  }),
});

/**
 * A data value: `{"@tab": …, "@area": …, "$": "123"}`. A page holds up to 100,000 of them, and a full
 * object schema per value cost more than parsing the page; the shape is checked here as "an object",
 * and each value's `$` is checked by the normaliser as it reads it (normalize.ts, rows()).
 */
const RawValue = z.custom<Record<string, unknown> & { $: string | number }>(
  (v) => typeof v === "object" && v !== null && !Array.isArray(v),
  "each VALUE must be an object",
);
const RawNote = z.looseObject({ "@char": z.string(), $: z.union([z.string(), z.number()]).optional() });

export const RawStatsDataBody = z.looseObject({
  RESULT_INF: ResultInf,
  TABLE_INF: RawTableInf.optional(),
  CLASS_INF: ClassInf,
  DATA_INF: z.looseObject({ NOTE: oneOrMany(RawNote), VALUE: oneOrMany(RawValue) }).optional(),
});
export type RawStatsDataBody = z.infer<typeof RawStatsDataBody>;

export const StatsDataResponse = z.object({
  GET_STATS_DATA: z.looseObject({
    RESULT: Result,
    STATISTICAL_DATA: RawStatsDataBody.optional(),
  }),
});

const CatalogResource = z.looseObject({
  "@id": z.string().optional(),
  TITLE: z.union([textish, z.looseObject({ NAME: textish.optional() })]).optional(),
  URL: z.string().optional(),
  FORMAT: textish.optional(),
  RELEASE_DATE: textish.optional(),
  LAST_MODIFIED_DATE: textish.optional(),
});

export const DataCatalogResponse = z.object({
  GET_DATA_CATALOG: z.looseObject({
    RESULT: Result,
    DATA_CATALOG_LIST_INF: z
      .looseObject({
        NUMBER: num.optional(),
        RESULT_INF: ResultInf,
        DATA_CATALOG_INF: oneOrMany(
          z.looseObject({
            "@id": z.string(),
            DATASET: z
              .looseObject({
                STAT_NAME: textish.optional(),
                GOV_ORG: textish.optional(),
                TITLE: z.union([textish, z.looseObject({ NAME: textish.optional() })]).optional(),
                LANDING_PAGE: z.string().optional(),
                LAST_MODIFIED_DATE: textish.optional(),
              })
              .optional(),
            RESOURCES: z.looseObject({ RESOURCE: oneOrMany(CatalogResource) }).optional(),
          }),
        ),
      })
      .optional(),
  }),
});

export const RefDatasetResponse = z.object({
  REF_DATASET: z.looseObject({ RESULT: Result }),
});

/** The envelope key each endpoint answers under; read before the endpoint's own schema. */
export const ENVELOPE = {
  getStatsList: "GET_STATS_LIST",
  getMetaInfo: "GET_META_INFO",
  getStatsData: "GET_STATS_DATA",
  getDataCatalog: "GET_DATA_CATALOG",
  refDataset: "REF_DATASET",
} as const;
export type Endpoint = keyof typeof ENVELOPE;

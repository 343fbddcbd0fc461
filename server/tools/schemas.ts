/** The argument types several tools share, declared once so their messages cannot drift apart. */
import { z } from "zod";

export const StatsDataId = z
  .string()
  .trim()
  .regex(/^\d{10}$/, "a statsDataId is 10 digits, e.g. 0003445078; find ids with search_stats")
  .describe('10-digit table id from search_stats, e.g. "0003445078"');

/** An organisation (5 digits) or statistics (8 digits) code, as search_stats and get_data_catalog take it. */
export const StatsCode = z
  .string()
  .regex(/^\d{5}(\d{3})?$/, "use a 5-digit organisation or 8-digit statistics code");

/**
 * zod drops a "__proto__" key from every record, whatever the mode, so a filter or `where` keyed by it
 * would vanish and the call would run unfiltered: refuse it by name before zod sees it.
 */
export function refuseProtoKey<T extends z.ZodType>(schema: T, examples: string) {
  return z.preprocess((v, ctx) => {
    if (v !== null && typeof v === "object" && Object.hasOwn(v, "__proto__")) {
      ctx.addIssue({
        code: "custom",
        path: ["__proto__"],
        input: v,
        message: `"__proto__" is not a valid key; use names such as ${examples}`,
      });
    }
    return v;
  }, schema);
}

export const Filters = refuseProtoKey(z
  .record(
    z
      .string()
      .regex(/^[a-z][a-z0-9]*(Level|From|To)?$/, "filter keys are dimension ids such as area, time, cat01"),
    z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).min(1).max(200)]),
  )
  .refine((f) => Object.keys(f).length <= 20, "at most 20 filters"), "area, time, cat01")
  .describe(
    'Dimension id → code(s) or class name(s), e.g. {"area": ["東京都", "13000"], "cat01": "男", "time": "2020000000"}; ' +
      '"<dim>Level" picks a hierarchy level ({"areaLevel": "2"}); "<dim>From"/"<dim>To" a range of codes.',
  );

export const DatasetId = z
  .string()
  .regex(/^\d{10}\/[a-z0-9]{1,32}$/, "a datasetId looks like 0003445078/all; list them with list_datasets")
  .describe('From save_dataset or list_datasets, e.g. "0003445078/all"');

/** One row as get_stats_data and query_dataset return it. */
export const Row = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));

// @ts-check
/**
 * Provider-neutral helpers for rule modules (aws.js today; gcp.js, kubernetes.js… next to it).
 * @typedef {(message: string, urn?: string) => void} Report
 * @typedef {Record<string, any>} Props
 */

/** A JSON string parsed, or the value itself when it is already an object; undefined when unparseable. */
export function parseJson(/** @type {unknown} */ v) {
  if (typeof v !== "string") return /** @type {any} */ (v);
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/**
 * @template X
 * @param {X | X[] | undefined} v
 * @returns {X[]}
 */
export const asArray = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * A mandatory rule over resources of the given types.
 * @param {string} name
 * @param {string} description
 * @param {string[]} types Pulumi type tokens, e.g. "aws:s3/bucket:Bucket"
 * @param {(props: Props, report: Report, type: string) => void} check
 * @returns {import("@pulumi/policy").ResourceValidationPolicy}
 */
export function rule(name, description, types, check) {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (types.includes(args.type)) check(args.props ?? {}, report, args.type);
    },
  };
}

/**
 * A mandatory rule over the whole stack (for relations between resources).
 * @param {string} name
 * @param {string} description
 * @param {(resources: import("@pulumi/policy").PolicyResource[], report: Report) => void} check
 * @returns {import("@pulumi/policy").StackValidationPolicy}
 */
export function stackRule(name, description, check) {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    validateStack: (args, report) => check(args.resources, report),
  };
}

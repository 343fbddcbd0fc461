// @ts-check
/**
 * CrossGuard rules for the Google Cloud resources the gcp-cloud-run target creates. Plain JavaScript,
 * like aws.js (the CLI's runner cannot load a .ts pack).
 */
import { asArray, rule } from "./common.js";

const T = {
  bucket: "gcp:storage/bucket:Bucket",
  bucketMember: "gcp:storage/bucketIAMMember:BucketIAMMember",
  bucketBinding: "gcp:storage/bucketIAMBinding:BucketIAMBinding",
  bucketPolicy: "gcp:storage/bucketIAMPolicy:BucketIAMPolicy",
  bucketAcl: "gcp:storage/bucketAccessControl:BucketAccessControl",
  defaultAcl: "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl",
  objectAcl: "gcp:storage/objectAccessControl:ObjectAccessControl",
  service: "gcp:cloudrunv2/service:Service",
};

const PUBLIC = ["allUsers", "allAuthenticatedUsers"];
/** Env vars of the server that hold secrets: never a plain value in a revision. */
const SECRET_ENV = ["ESTAT_APP_ID", "MCP_API_KEYS", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"];

/** A stack that serves users: `prod`, or any name ending in `-prod` (gcp-prod). */
export const isProdStack = (/** @type {string} */ urn) => /^urn:pulumi:(?:[^:]*-)?prod::/.test(urn);

/** Members of a bucket IAM resource: `member`, `members`, or an IAM policy document's bindings. */
function bucketMembers(/** @type {Record<string, any>} */ p) {
  const doc = typeof p.policyData === "string" ? safeJson(p.policyData) : p.policyData;
  return [
    ...asArray(p.member),
    ...asArray(p.members),
    ...asArray(doc?.bindings).flatMap((/** @type {any} */ b) => asArray(b.members)),
    ...asArray(p.entity),
  ].map(String);
}

function safeJson(/** @type {string} */ s) {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** @type {import("@pulumi/policy").ResourceValidationPolicy[]} */
export const resourcePolicies = [
  rule(
    "gcs-no-public-members",
    "No bucket or object grants anything to allUsers or allAuthenticatedUsers.",
    [T.bucketMember, T.bucketBinding, T.bucketPolicy, T.bucketAcl, T.defaultAcl, T.objectAcl],
    (p, report) => {
      const bad = bucketMembers(p).filter((m) => PUBLIC.some((x) => m === x || m.toLowerCase() === x.toLowerCase()));
      if (bad.length) report(`The bucket is granted to ${bad.join(", ")}: the lake must stay private.`);
    },
  ),
  rule("gcs-uniform-access", "Buckets use uniform bucket-level access (no object ACLs).", [T.bucket], (p, report) => {
    if (p.uniformBucketLevelAccess !== true) report("Set uniformBucketLevelAccess: true: object ACLs could make objects public.");
  }),
  rule(
    "gcs-public-access-prevention",
    "Buckets enforce public access prevention.",
    [T.bucket],
    (p, report) => {
      if (p.publicAccessPrevention !== "enforced") {
        report(`publicAccessPrevention is ${JSON.stringify(p.publicAccessPrevention)}: set "enforced".`);
      }
    },
  ),
  rule(
    "cloud-run-secrets-pinned",
    "Cloud Run reads secrets from Secret Manager by pinned version, never `latest`, and no secret is a plain env value.",
    [T.service],
    (p, report) => {
      for (const c of asArray(p.template?.containers)) {
        for (const e of asArray(c.envs)) {
          const ref = e.valueSource?.secretKeyRef;
          if (ref && (!ref.version || ref.version === "latest")) {
            report(`Env ${e.name} reads secret ${ref.secret} at ${ref.version ?? "no version"}: pin a version number.`);
          }
          if (SECRET_ENV.includes(e.name) && e.value !== undefined) {
            report(`Env ${e.name} is a plain value: read it from Secret Manager (valueSource.secretKeyRef).`);
          }
        }
      }
    },
  ),
  rule(
    "cloud-run-dedicated-account",
    "Cloud Run runs as a dedicated service account, not the Compute Engine default one.",
    [T.service],
    (p, report) => {
      const sa = p.template?.serviceAccount;
      if (!sa) report("template.serviceAccount is unset: the revision would run as the Compute Engine default account.");
      else if (/-compute@developer\.gserviceaccount\.com$/.test(String(sa))) {
        report(`template.serviceAccount ${sa} is the Compute Engine default account: use a dedicated one.`);
      }
    },
  ),
  {
    name: "gcp-prod-deletion-protection",
    description: "In a prod stack the Cloud Run service has deletion protection and the lake bucket is not force-destroyed.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (!isProdStack(args.urn)) return;
      const p = args.props ?? {};
      if (args.type === T.service && p.deletionProtection !== true) {
        report("A prod Cloud Run service needs deletionProtection: true (pulumi config set estat-mcp:deletionProtection true).");
      }
      if (args.type === T.bucket && p.forceDestroy === true) {
        report("A prod lake bucket must not be force-destroyed (pulumi config set estat-mcp:retainData true).");
      }
    },
  },
];

/** @type {import("@pulumi/policy").StackValidationPolicy[]} */
export const stackPolicies = [];

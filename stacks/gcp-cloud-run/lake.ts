import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface LakeBucketArgs {
  project: string;
  location: string;
  /** The runtime service account's e-mail: the only principal granted on the bucket. */
  runtimeAccountEmail: pulumi.Input<string>;
  /** Delete the bucket with its objects on destroy (dev); off, the bucket is retained and protected. */
  retain: boolean;
  rawToNearlineDays: number;
  noncurrentVersionDays: number;
}

/**
 * The lake in Cloud Storage: uniform bucket-level access (no object ACLs), public access prevention
 * enforced, versioning, raw e-Stat pages moved to Nearline, old versions expired. The runtime account
 * reads and writes objects of this bucket only (roles/storage.objectUser on it, nothing project-wide).
 * The server reaches it through the S3-compatible XML API with an HMAC key of that account.
 */
export class LakeBucket extends pulumi.ComponentResource {
  readonly bucket: gcp.storage.Bucket;
  readonly hmacKey: gcp.storage.HmacKey;
  readonly access: gcp.storage.BucketIAMMember;

  constructor(name: string, args: LakeBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:gcp:LakeBucket", name, {}, opts);
    const self = { parent: this };
    this.bucket = new gcp.storage.Bucket(
      name,
      {
        project: args.project,
        location: args.location,
        storageClass: "STANDARD",
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        versioning: { enabled: true },
        forceDestroy: !args.retain,
        lifecycleRules: [
          {
            action: { type: "SetStorageClass", storageClass: "NEARLINE" },
            condition: { age: args.rawToNearlineDays, matchesPrefixes: ["raw/"], matchesStorageClasses: ["STANDARD"] },
          },
          { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: args.noncurrentVersionDays, withState: "ARCHIVED" } },
        ],
        labels: { app: "estat-mcp" },
      },
      { ...self, protect: args.retain, retainOnDelete: args.retain },
    );
    const member = pulumi.interpolate`serviceAccount:${args.runtimeAccountEmail}`;
    this.access = new gcp.storage.BucketIAMMember(
      `${name}-object-user`,
      { bucket: this.bucket.name, role: "roles/storage.objectUser", member },
      self,
    );
    this.hmacKey = new gcp.storage.HmacKey(
      `${name}-hmac`,
      { project: args.project, serviceAccountEmail: args.runtimeAccountEmail },
      self,
    );
    this.registerOutputs({ bucket: this.bucket.name });
  }
}

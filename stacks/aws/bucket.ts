import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface SecureBucketArgs {
  /** Delete objects with the bucket (dev). When false the bucket is protected and retained on delete. */
  forceDestroy: boolean;
  /** Extra statements for the bucket policy (e.g. ELB log delivery), on top of the TLS-only deny. */
  extraStatements?: (bucketArn: pulumi.Output<string>) => pulumi.Output<object[]>;
  versioning: boolean;
}

/** Resource options that keep a bucket and its data when the stack or the resource goes away. */
export function retentionOptions(retain: boolean): pulumi.CustomResourceOptions {
  return retain ? { protect: true, retainOnDelete: true } : {};
}

/**
 * A private bucket: public access blocked, bucket-owner ownership (ACLs off), SSE-S3 encryption at rest,
 * optional versioning, and a policy denying any request not made over TLS.
 */
export function secureBucket(name: string, args: SecureBucketArgs, parent: pulumi.Resource) {
  const self = { parent };
  const bucket = new aws.s3.Bucket(
    name,
    { bucketPrefix: `${name.slice(0, 30)}-`, forceDestroy: args.forceDestroy },
    { ...self, ...retentionOptions(!args.forceDestroy) },
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    self,
  );
  new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    self,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    {
      bucket: bucket.id,
      // SSE-S3: free, and the only encryption ALB access logs accept.
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
    },
    self,
  );
  if (args.versioning) {
    new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      self,
    );
  }
  const policy = new aws.s3.BucketPolicy(
    `${name}-policy`,
    {
      bucket: bucket.id,
      policy: pulumi.all([bucket.arn, args.extraStatements?.(bucket.arn) ?? []]).apply(([arn, extra]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: [arn, `${arn}/*`],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            ...extra,
          ],
        }),
      ),
    },
    // A bucket policy is rejected while the public access block is still being applied.
    { ...self, dependsOn: [publicAccess] },
  );
  return { bucket, policy };
}

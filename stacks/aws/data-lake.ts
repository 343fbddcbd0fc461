import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { secureBucket } from "./bucket.ts";

export interface DataLakeArgs {
  /** Keep the bucket and its data when the stack is destroyed (prod). */
  retain: boolean;
  /** Days before raw e-Stat pages move to Standard-IA (30 is S3's minimum). */
  rawToInfrequentAccessDays?: number;
  /** Days a replaced or deleted object version is kept. */
  noncurrentVersionDays?: number;
}

/** Key prefix under which the server keeps raw e-Stat API pages. */
export const RAW_PREFIX = "raw/";

/** The S3 data lake. Platform-neutral: any target that can reach S3 uses `url` and `accessStatements`. */
export class DataLake extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  /** `s3://bucket`: the server's DATA_LAKE value. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: DataLakeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:aws:DataLake", name, {}, opts);
    const { bucket } = secureBucket(`${name}-bucket`, { forceDestroy: !args.retain, versioning: true }, this);
    this.bucket = bucket;
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "raw-pages-to-infrequent-access",
            status: "Enabled",
            filter: { prefix: RAW_PREFIX },
            transitions: [{ days: args.rawToInfrequentAccessDays ?? 30, storageClass: "STANDARD_IA" }],
          },
          {
            id: "expire-old-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays ?? 30 },
            // A deleted object leaves a delete marker; once its old versions expire the marker is alone
            // and would stay forever (every LIST walks it).
            expiration: { expiredObjectDeleteMarker: true },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { parent: this },
    );
    this.url = pulumi.interpolate`s3://${bucket.bucket}`;
    this.registerOutputs({ bucketName: bucket.bucket, url: this.url });
  }

  /** IAM statements letting a workload read and write the lake, and nothing else. */
  accessStatements(): pulumi.Output<object[]> {
    return this.bucket.arn.apply((arn) => [
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [arn] },
      {
        Effect: "Allow",
        // AbortMultipartUpload: the SDK aborts a failed large upload; without it the parts stay (and are
        // billed) until the lifecycle rule removes them a week later.
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        Resource: [`${arn}/*`],
      },
    ]);
  }
}

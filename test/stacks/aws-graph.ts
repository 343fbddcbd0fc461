// The parts an AWS stack's resource graph is made of, as countByType counts them, so that each
// stack's "creates exactly this resource graph" test adds up the components it is built from.

type Counts = Record<string, number>;

/** The components' counts added up, sorted as countByType sorts them. */
export function graph(...parts: Counts[]): Counts {
  const out: Counts = {};
  for (const part of parts) for (const [type, n] of Object.entries(part)) out[type] = (out[type] ?? 0) + n;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** stacks/aws/bucket.ts's secureBucket without versioning: public access blocked, owner-enforced, SSE, TLS-only policy. */
const SECURE_BUCKET: Counts = {
  "aws:s3/bucket:Bucket": 1,
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
  "aws:s3/bucketPolicy:BucketPolicy": 1,
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
};
const LIFECYCLE: Counts = { "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1 };

/** stacks/aws/data-lake.ts: a versioned secure bucket with its lifecycle rules. */
export const DATA_LAKE: Counts = graph(SECURE_BUCKET, LIFECYCLE, {
  "aws:s3/bucketVersioning:BucketVersioning": 1,
  "estat-mcp:aws:DataLake": 1,
});

/** The ALB's access-log bucket (prod): a secure bucket, unversioned, whose logs expire. */
export const ACCESS_LOG_BUCKET: Counts = graph(SECURE_BUCKET, LIFECYCLE);

/** stacks/aws/secrets.ts: the appId and the API keys as SecureString parameters. */
export const SECRETS: Counts = { "aws:ssm/parameter:Parameter": 2, "estat-mcp:aws:Secrets": 1 };

/** stacks/aws/secrets.ts's generated API key, when the stack configures none (dev stacks). */
export const GENERATED_KEY: Counts = { "random:index/randomPassword:RandomPassword": 1 };

/** What every aws-fargate stack (dev or prod, with or without a domain) creates besides lake and secrets. */
export const FARGATE: Counts = {
  "aws:appautoscaling/policy:Policy": 2,
  "aws:appautoscaling/target:Target": 1,
  "aws:cloudwatch/logGroup:LogGroup": 1,
  "aws:cloudwatch/logMetricFilter:LogMetricFilter": 2,
  "aws:cloudwatch/metricAlarm:MetricAlarm": 8,
  "aws:ec2/securityGroup:SecurityGroup": 2,
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": 1,
  "aws:ecr/repository:Repository": 1,
  "aws:ecs/cluster:Cluster": 1,
  "aws:ecs/service:Service": 1,
  "aws:ecs/taskDefinition:TaskDefinition": 1,
  "aws:iam/role:Role": 2,
  "aws:iam/rolePolicy:RolePolicy": 2,
  "aws:lb/loadBalancer:LoadBalancer": 1,
  "aws:lb/targetGroup:TargetGroup": 1,
  "aws:sns/topic:Topic": 1,
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 2,
  "awsx:ec2:Vpc": 1,
  "awsx:ecr:Image": 1,
  "estat-mcp:aws:ContainerImage": 1,
  "estat-mcp:aws:FargateService": 1,
  "estat-mcp:aws:LoadBalancer": 1,
  "estat-mcp:aws:Monitoring": 1,
  "estat-mcp:aws:Network": 1,
};

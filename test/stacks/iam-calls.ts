import { json, type Recorded, type Run } from "./harness.ts";

/** The region and account record.ts's mocks deploy into. */
export const REGION = "ap-northeast-1";
const ACCOUNT = "123456789012";

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** One authorised AWS API call: the IAM action, the resource it is checked on, the request's condition keys. */
export interface Call {
  action: string;
  resource: string;
  /** The request's region (aws:RequestedRegion); the stack's unless the resource lives elsewhere. */
  region?: string;
  context?: Record<string, string>;
}

export const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM's ARN glob: `*` any run of characters (`:` and `/` included), `?` one character. */
function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}

function conditionsHold(condition: Statement["Condition"], context: Record<string, string>): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    if (operator !== "StringEquals") throw new Error(`iam-calls.ts evaluates StringEquals only, not ${operator}`);
    for (const [key, values] of Object.entries(keys)) if (!list(values).includes(context[key])) return false;
  }
  return true;
}

/** Whether `statements` allow `call` as IAM decides for one identity policy: some Allow matches, no Deny does. */
export function permits(statements: Statement[], call: Call): boolean {
  const context = { "aws:RequestedRegion": call.region ?? REGION, ...call.context };
  const matches = (s: Statement) =>
    list(s.Action).includes(call.action) &&
    list(s.Resource).some((r) => glob(r).test(call.resource)) &&
    conditionsHold(s.Condition, context);
  return statements.some((s) => s.Effect === "Allow" && matches(s)) && !statements.some((s) => s.Effect === "Deny" && matches(s));
}

/** The physical name Pulumi's auto-naming gives a resource: its name and 7 random characters. */
const auto = (name: string) => `${name}-a1b2c3d`;
const each = (actions: string[], resource: string, more: Omit<Call, "action" | "resource"> = {}): Call[] =>
  actions.map((action) => ({ action, resource, ...more }));
const byId = (run: Run, type: string, value: unknown) => {
  const found = run.resources.find((r) => r.type === type && (r.id === value || r.state.arn === value || r.state.name === value || r.state.bucket === value));
  if (!found) throw new Error(`no ${type} with id, name or ARN ${String(value)}`);
  return found;
};

const lambdaArn = (functionName: string, qualifier?: string) =>
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${auto(functionName)}${qualifier ? `:${qualifier}` : ""}`;
const roleArn = (run: Run, ref: unknown) => `arn:aws:iam::${ACCOUNT}:role/${auto(byId(run, "aws:iam/role:Role", ref).name)}`;
const apiGateway = (path: string) => `arn:aws:apigateway:${REGION}::${path}`;
const restApi = (r: Recorded) => `/restapis/${r.inputs.restApi}`;
const bucketArn = (run: Run, ref: unknown) => `arn:aws:s3:::${byId(run, "aws:s3/bucket:Bucket", ref).inputs.bucketPrefix}20261202000000000001`;
/** Read, update and delete of an API Gateway resource at `path` (created by POST or PUT). */
const apiGatewayCrud = (create: "POST" | "PUT", collection: string, path: string): Call[] => [
  { action: `apigateway:${create}`, resource: apiGateway(create === "POST" ? collection : path) },
  ...each(["apigateway:GET", "apigateway:PATCH", "apigateway:DELETE"], apiGateway(path)),
];
const apiGatewayTags = (arn: string) => each(["apigateway:PUT", "apigateway:DELETE"], apiGateway(`/tags/${encodeURIComponent(arn)}`));

/**
 * The AWS API calls the provider makes to create, read (refresh), update, tag and delete each resource
 * type (the Terraform AWS provider v6 under @pulumi/aws 7), on the resource they act on. A type missing
 * here fails the test that uses this table: a new resource type must say what its deployment needs.
 */
export const CALLS: Record<string, (r: Recorded, run: Run) => Call[]> = {
  "aws:lambda/function:Function": (r, run) => [
    ...each(
      [
        "lambda:CreateFunction",
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:GetFunctionCodeSigningConfig",
        "lambda:ListVersionsByFunction",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
        "lambda:PublishVersion",
        "lambda:PutFunctionConcurrency",
        "lambda:DeleteFunctionConcurrency",
        "lambda:ListTags",
        "lambda:TagResource",
        "lambda:UntagResource",
        "lambda:DeleteFunction",
      ],
      lambdaArn(r.name),
    ),
    { action: "iam:PassRole", resource: roleArn(run, r.inputs.role), context: { "iam:PassedToService": "lambda.amazonaws.com" } },
  ],
  "aws:lambda/alias:Alias": (r) =>
    each(["lambda:CreateAlias", "lambda:GetAlias", "lambda:UpdateAlias", "lambda:DeleteAlias"], lambdaArn(r.inputs.functionName, r.inputs.name)),
  "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig": (r) =>
    each(
      ["lambda:PutProvisionedConcurrencyConfig", "lambda:GetProvisionedConcurrencyConfig", "lambda:DeleteProvisionedConcurrencyConfig"],
      lambdaArn(r.inputs.functionName, r.inputs.qualifier),
    ),
  "aws:lambda/permission:Permission": (r) =>
    each(["lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission"], lambdaArn(r.inputs.function, r.inputs.qualifier)),
  "aws:lambda/functionUrl:FunctionUrl": (r) =>
    each(
      ["lambda:CreateFunctionUrlConfig", "lambda:GetFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig", "lambda:DeleteFunctionUrlConfig"],
      lambdaArn(r.inputs.functionName, r.inputs.qualifier),
    ),
  "aws:apigateway/restApi:RestApi": (r) => [
    ...apiGatewayCrud("POST", "/restapis", `/restapis/${r.id}`),
    // The provider reads the root resource's id from the API's resources.
    { action: "apigateway:GET", resource: apiGateway(`/restapis/${r.id}/resources`) },
    ...apiGatewayTags(`arn:aws:apigateway:${REGION}::/restapis/${r.id}`),
  ],
  "aws:apigateway/resource:Resource": (r) =>
    apiGatewayCrud("POST", `${restApi(r)}/resources/${r.inputs.parentId}`, `${restApi(r)}/resources/${r.id}`),
  "aws:apigateway/method:Method": (r) =>
    apiGatewayCrud("PUT", "", `${restApi(r)}/resources/${r.inputs.resourceId}/methods/${r.inputs.httpMethod}`),
  "aws:apigateway/integration:Integration": (r) =>
    apiGatewayCrud("PUT", "", `${restApi(r)}/resources/${r.inputs.resourceId}/methods/${r.inputs.httpMethod}/integration`),
  "aws:apigateway/deployment:Deployment": (r) => [
    ...apiGatewayCrud("POST", `${restApi(r)}/deployments`, `${restApi(r)}/deployments/${r.id}`),
    // Before deleting a deployment the provider looks for stages still using it.
    { action: "apigateway:GET", resource: apiGateway(`${restApi(r)}/stages`) },
  ],
  "aws:apigateway/stage:Stage": (r) => [
    ...apiGatewayCrud("POST", `${restApi(r)}/stages`, `${restApi(r)}/stages/${r.inputs.stageName}`),
    ...apiGatewayTags(r.state.arn),
  ],
  "aws:apigateway/methodSettings:MethodSettings": (r) =>
    each(["apigateway:GET", "apigateway:PATCH"], apiGateway(`${restApi(r)}/stages/${r.inputs.stageName}`)),
  "aws:apigateway/account:Account": (r, run) => [
    ...each(["apigateway:GET", "apigateway:PATCH"], apiGateway("/account")),
    // Naming the CloudWatch role in the account's settings passes it to API Gateway.
    { action: "iam:PassRole", resource: roleArn(run, r.inputs.cloudwatchRoleArn), context: { "iam:PassedToService": "apigateway.amazonaws.com" } },
  ],
  "aws:apigateway/domainName:DomainName": (r) => [
    ...apiGatewayCrud("POST", "/domainnames", `/domainnames/${r.inputs.domainName}`),
    ...apiGatewayTags(`arn:aws:apigateway:${REGION}::/domainnames/${r.inputs.domainName}`),
  ],
  "aws:apigateway/basePathMapping:BasePathMapping": (r) =>
    apiGatewayCrud("POST", `/domainnames/${r.inputs.domainName}/basepathmappings`, `/domainnames/${r.inputs.domainName}/basepathmappings/(none)`),
  "aws:iam/role:Role": (r) =>
    each(
      [
        "iam:CreateRole",
        "iam:GetRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:DeleteRole",
      ],
      `arn:aws:iam::${ACCOUNT}:role/${auto(r.name)}`,
    ),
  "aws:iam/rolePolicy:RolePolicy": (r, run) =>
    each(["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"], roleArn(run, r.inputs.role)),
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (r, run) => [
    ...each(["iam:AttachRolePolicy", "iam:DetachRolePolicy"], roleArn(run, r.inputs.role), { context: { "iam:PolicyARN": r.inputs.policyArn } }),
    { action: "iam:ListAttachedRolePolicies", resource: roleArn(run, r.inputs.role) },
  ],
  "aws:cloudwatch/logGroup:LogGroup": (r) =>
    each(
      [
        "logs:CreateLogGroup",
        "logs:DescribeLogGroups",
        "logs:PutRetentionPolicy",
        "logs:DeleteRetentionPolicy",
        "logs:ListTagsForResource",
        "logs:TagResource",
        "logs:UntagResource",
        "logs:DeleteLogGroup",
      ],
      r.state.arn,
    ),
  "aws:cloudwatch/logMetricFilter:LogMetricFilter": (r) =>
    each(
      ["logs:PutMetricFilter", "logs:DescribeMetricFilters", "logs:DeleteMetricFilter"],
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${r.inputs.logGroupName}`,
    ),
  "aws:cloudwatch/metricAlarm:MetricAlarm": (r) =>
    each(
      [
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:ListTagsForResource",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
        "cloudwatch:DeleteAlarms",
      ],
      `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${auto(r.name)}`,
    ),
  "aws:cloudwatch/dashboard:Dashboard": (r) =>
    each(
      ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"],
      `arn:aws:cloudwatch::${ACCOUNT}:dashboard/${r.inputs.dashboardName}`,
    ),
  "aws:sns/topic:Topic": (r) =>
    each(
      [
        "sns:CreateTopic",
        "sns:GetTopicAttributes",
        "sns:SetTopicAttributes",
        "sns:ListTagsForResource",
        "sns:TagResource",
        "sns:UntagResource",
        "sns:DeleteTopic",
      ],
      `arn:aws:sns:${REGION}:${ACCOUNT}:${auto(r.name)}`,
    ),
  "aws:ssm/parameter:Parameter": (r) => [
    ...each(
      [
        "ssm:PutParameter",
        "ssm:GetParameter",
        "ssm:ListTagsForResource",
        "ssm:AddTagsToResource",
        "ssm:RemoveTagsFromResource",
        "ssm:DeleteParameter",
      ],
      r.state.arn,
    ),
    // DescribeParameters is checked on no resource (`*`): it lists, filtered by name.
    { action: "ssm:DescribeParameters", resource: "*" },
  ],
  "aws:s3/bucket:Bucket": (r, run) => [
    ...each(
      [
        "s3:CreateBucket",
        "s3:ListBucket",
        "s3:GetBucketAcl",
        "s3:GetBucketCORS",
        "s3:GetBucketWebsite",
        "s3:GetBucketVersioning",
        "s3:GetAccelerateConfiguration",
        "s3:GetBucketRequestPayment",
        "s3:GetBucketLogging",
        "s3:GetLifecycleConfiguration",
        "s3:GetReplicationConfiguration",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketObjectLockConfiguration",
        "s3:GetBucketPolicy",
        "s3:GetBucketTagging",
        "s3:GetBucketLocation",
        "s3:PutBucketTagging",
        "s3:DeleteBucket",
      ],
      bucketArn(run, r.id),
    ),
    // forceDestroy empties the bucket, every version, before deleting it.
    ...(r.inputs.forceDestroy
      ? [
          { action: "s3:ListBucketVersions", resource: bucketArn(run, r.id) },
          ...each(["s3:DeleteObject", "s3:DeleteObjectVersion"], `${bucketArn(run, r.id)}/datasets/0003410379/part-0.parquet`),
        ]
      : []),
  ],
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (r, run) =>
    // Deleting the configuration is authorised as s3:PutLifecycleConfiguration.
    each(["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"], bucketArn(run, r.inputs.bucket)),
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (r, run) =>
    each(
      ["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls", "s3:DeleteBucketOwnershipControls"],
      bucketArn(run, r.inputs.bucket),
    ),
  "aws:s3/bucketPolicy:BucketPolicy": (r, run) =>
    each(["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"], bucketArn(run, r.inputs.bucket)),
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (r, run) =>
    each(
      ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock", "s3:DeleteBucketPublicAccessBlock"],
      bucketArn(run, r.inputs.bucket),
    ),
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (r, run) =>
    // Deleting it is authorised as s3:PutEncryptionConfiguration.
    each(["s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"], bucketArn(run, r.inputs.bucket)),
  "aws:s3/bucketVersioning:BucketVersioning": (r, run) =>
    each(["s3:PutBucketVersioning", "s3:GetBucketVersioning"], bucketArn(run, r.inputs.bucket)),
  "aws:wafv2/webAcl:WebAcl": (r) =>
    each(
      [
        "wafv2:CreateWebACL",
        "wafv2:GetWebACL",
        "wafv2:UpdateWebACL",
        "wafv2:ListTagsForResource",
        "wafv2:TagResource",
        "wafv2:UntagResource",
        "wafv2:DeleteWebACL",
      ],
      "*",
      { region: r.inputs.region ?? REGION },
    ),
  "aws:wafv2/webAclAssociation:WebAclAssociation": (r) => [
    ...each(["wafv2:AssociateWebACL", "wafv2:GetWebACLForResource", "wafv2:DisassociateWebACL"], "*"),
    // The protected resource's service must agree too: API Gateway for a stage, ELB for a load balancer.
    String(r.inputs.resourceArn).startsWith("arn:aws:apigateway:")
      ? { action: "apigateway:SetWebACL", resource: r.inputs.resourceArn }
      : { action: "elasticloadbalancing:SetWebAcl", resource: r.inputs.resourceArn },
  ],
  "aws:acm/certificate:Certificate": (r) =>
    each(
      [
        "acm:RequestCertificate",
        "acm:DescribeCertificate",
        "acm:ListTagsForCertificate",
        "acm:AddTagsToCertificate",
        "acm:RemoveTagsFromCertificate",
        "acm:DeleteCertificate",
      ],
      "*",
      { region: r.inputs.region ?? REGION },
    ),
  "aws:acm/certificateValidation:CertificateValidation": (r) => [
    { action: "acm:DescribeCertificate", resource: "*", region: r.inputs.region ?? REGION },
  ],
  "aws:route53/record:Record": (r) => [
    ...each(["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"], `arn:aws:route53:::hostedzone/${r.inputs.zoneId}`),
    { action: "route53:GetChange", resource: "arn:aws:route53:::change/C0123456789ABCDEFGHIJ" },
  ],
};

/** Every call the program's AWS resources in `run` need, or the types CALLS does not know. */
export function callsOf(run: Run): { calls: Call[]; unknown: string[] } {
  const aws = run.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
  const unknown = [...new Set(aws.filter((r) => !CALLS[r.type]).map((r) => r.type))];
  return { calls: aws.filter((r) => CALLS[r.type]).flatMap((r) => CALLS[r.type](r, run)), unknown };
}

/** The service that assumes a role (its trust policy's principal). */
export const assumingService = (role: Recorded): string => json(role.inputs.assumeRolePolicy).Statement[0].Principal.Service;

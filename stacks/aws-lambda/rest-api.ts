import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type CustomDomain, dnsValidatedCertificate } from "../aws/certificate.ts";
import { assumedBy } from "../aws/iam.ts";

/** The stage name: the path prefix of the execute-api URL (`https://{id}.execute-api.{region}.amazonaws.com/live/mcp`). */
export const STAGE = "live";

/** One JSON line per request in the access log (API Gateway's $context variables). */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  method: "$context.httpMethod",
  path: "$context.path",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  integrationLatency: "$context.integrationLatency",
  responseLatency: "$context.responseLatency",
  integrationError: "$context.integrationErrorMessage",
  wafStatus: "$context.waf.status",
  time: "$context.requestTime",
});

/**
 * The Lambda's streaming invocation URI for API Gateway (the `2021-11-15 … /response-streaming-invocations`
 * path; the buffered one is `2015-03-31 … /invocations`). For an alias: the provider's
 * `responseStreamingInvokeArn` exists on the function only.
 */
export function streamingInvokeUri(region: string, aliasArn: string): string {
  return `arn:aws:apigateway:${region}:lambda:path/2021-11-15/functions/${aliasArn}/response-streaming-invocations`;
}

export interface RestApiEntryArgs {
  /** The REST API (Regional), created by the caller: its id goes into the function's ALLOWED_HOSTS. */
  api: aws.apigateway.RestApi;
  /** The alias API Gateway invokes (never $LATEST). */
  aliasArn: pulumi.Input<string>;
  functionName: pulumi.Input<string>;
  aliasName: pulumi.Input<string>;
  /** The integration's timeout, ms (≤ 900,000 with streaming). */
  integrationTimeoutMs: number;
  throttleRatePerSecond: number;
  throttleBurst: number;
  logRetentionDays: number;
  domain?: CustomDomain;
}

/**
 * A Regional REST API (given) whose every path and method is a Lambda proxy integration in response-streaming
 * mode (the only API Gateway that streams, up to 15 minutes: HTTP APIs are capped at 30 s and buffer),
 * one stage with throttling and JSON access logs, the invoke permission limited to that stage, and an
 * optional custom domain (ACM, TLS 1.2+).
 */
export class RestApiEntry extends pulumi.ComponentResource {
  readonly api: aws.apigateway.RestApi;
  readonly stage: aws.apigateway.Stage;
  readonly accessLogGroup: aws.cloudwatch.LogGroup;
  /** The host clients use: the custom domain or `{id}.execute-api.{region}.amazonaws.com`. */
  readonly host: pulumi.Output<string>;
  /** `https://host` plus the stage prefix where there is one: what /mcp and /healthz hang off. */
  readonly baseUrl: pulumi.Output<string>;

  constructor(name: string, args: RestApiEntryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:aws:RestApiEntry", name, {}, opts);
    const self = { parent: this };
    const region = aws.getRegionOutput({}, self).region;
    this.api = args.api;
    const proxy = new aws.apigateway.Resource(
      `${name}-proxy`,
      { restApi: this.api.id, parentId: this.api.rootResourceId, pathPart: "{proxy+}" },
      self,
    );
    const uri = pulumi.all([region, args.aliasArn]).apply(([r, arn]) => streamingInvokeUri(r, arn));
    const integrations = [
      { id: "root", resourceId: this.api.rootResourceId },
      { id: "any", resourceId: proxy.id },
    ].map(({ id, resourceId }) => {
      const method = new aws.apigateway.Method(
        `${name}-${id}-method`,
        { restApi: this.api.id, resourceId, httpMethod: "ANY", authorization: "NONE" },
        self,
      );
      return new aws.apigateway.Integration(
        `${name}-${id}-integration`,
        {
          restApi: this.api.id,
          resourceId,
          httpMethod: method.httpMethod,
          integrationHttpMethod: "POST",
          type: "AWS_PROXY",
          uri,
          responseTransferMode: "STREAM",
          timeoutMilliseconds: args.integrationTimeoutMs,
        },
        self,
      );
    });
    new aws.lambda.Permission(
      `${name}-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: args.functionName,
        qualifier: args.aliasName,
        principal: "apigateway.amazonaws.com",
        // This API's own stage, any method and path: no other API or stage may invoke the function.
        sourceArn: pulumi.interpolate`${this.api.executionArn}/${STAGE}/*/*`,
      },
      self,
    );
    const deployment = new aws.apigateway.Deployment(
      `${name}-deployment`,
      {
        restApi: this.api.id,
        // A new deployment whenever what the stage serves changes.
        triggers: { redeployment: pulumi.all([uri, args.integrationTimeoutMs]).apply((v) => JSON.stringify(v)) },
      },
      { ...self, dependsOn: integrations },
    );
    this.accessLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      { name: `/estat-mcp/${pulumi.getStack()}/api-access`, retentionInDays: args.logRetentionDays },
      self,
    );
    const account = apiGatewayLogsAccount(name, this);
    this.stage = new aws.apigateway.Stage(
      `${name}-stage`,
      {
        restApi: this.api.id,
        deployment: deployment.id,
        stageName: STAGE,
        accessLogSettings: { destinationArn: this.accessLogGroup.arn, format: ACCESS_LOG_FORMAT },
      },
      { ...self, dependsOn: [account] },
    );
    new aws.apigateway.MethodSettings(
      `${name}-throttling`,
      {
        restApi: this.api.id,
        stageName: this.stage.stageName,
        methodPath: "*/*",
        settings: {
          throttlingRateLimit: args.throttleRatePerSecond,
          throttlingBurstLimit: args.throttleBurst,
          metricsEnabled: true,
        },
      },
      self,
    );
    if (args.domain) {
      const certificateArn = dnsValidatedCertificate(name, args.domain, this);
      const domainName = new aws.apigateway.DomainName(
        `${name}-domain`,
        {
          domainName: args.domain.domainName,
          regionalCertificateArn: certificateArn,
          endpointConfiguration: { types: "REGIONAL" },
          securityPolicy: "TLS_1_2",
        },
        self,
      );
      new aws.apigateway.BasePathMapping(
        `${name}-mapping`,
        { restApi: this.api.id, stageName: this.stage.stageName, domainName: domainName.domainName },
        self,
      );
      new aws.route53.Record(
        `${name}-alias-record`,
        {
          zoneId: args.domain.hostedZoneId,
          name: args.domain.domainName,
          type: "A",
          aliases: [
            { name: domainName.regionalDomainName, zoneId: domainName.regionalZoneId, evaluateTargetHealth: false },
          ],
        },
        self,
      );
      this.host = pulumi.output(args.domain.domainName);
      this.baseUrl = pulumi.interpolate`https://${args.domain.domainName}`;
    } else {
      this.host = pulumi.interpolate`${this.api.id}.execute-api.${region}.amazonaws.com`;
      this.baseUrl = pulumi.interpolate`https://${this.host}/${STAGE}`;
    }
    this.registerOutputs({ baseUrl: this.baseUrl, stageArn: this.stage.arn });
  }
}

/**
 * API Gateway writes access logs only once the account (per region) names a role for it: an
 * account-wide setting, which this creates with the managed push-to-CloudWatch policy.
 */
function apiGatewayLogsAccount(name: string, parent: pulumi.Resource): aws.apigateway.Account {
  const role = new aws.iam.Role(
    `${name}-cloudwatch-role`,
    { assumeRolePolicy: assumedBy("apigateway.amazonaws.com"), description: "API Gateway: write access logs" },
    { parent },
  );
  new aws.iam.RolePolicyAttachment(
    `${name}-cloudwatch-policy`,
    { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs" },
    { parent },
  );
  return new aws.apigateway.Account(`${name}-account`, { cloudwatchRoleArn: role.arn }, { parent });
}

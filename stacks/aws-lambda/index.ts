import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { logsConsoleUrl } from "../aws/console.ts";
import { DataLake } from "../aws/data-lake.ts";
import { Secrets } from "../aws/secrets.ts";
import { Waf } from "../aws/waf.ts";
import type { TargetConfig } from "../config.ts";
import { clientConfigs } from "../shared/client-configs.ts";
import { SERVER_SECRETS, serverEnv } from "../shared/server-env.ts";
import { awsLambdaTimeouts } from "../shared/timeouts.ts";
import type { TargetOutputs } from "../shared/target-outputs.ts";
import { FunctionUrlEntry } from "./function-url.ts";
import { LambdaFunction } from "./function.ts";
import { LambdaMonitoring } from "./monitoring.ts";
import { RestApiEntry } from "./rest-api.ts";

/** `X_SSM_PARAMETER` names the SSM parameter holding X; the handler reads them once per cold start. */
const SSM_SUFFIX = "_SSM_PARAMETER";
/** The server's health path (server/http/routes/health.ts). */
const HEALTH_PATH = "/healthz";
/** The function's listening port is never used (no socket), but parseEnv wants a valid one. */
const UNUSED_PORT = 8080;

/**
 * The `aws-lambda` target: the bundled server (dist/lambda.zip) as a response-streaming function with a
 * `live` alias, reached through an API Gateway REST API (default) or a Function URL; the shared S3 lake
 * and SSM secrets; alarms to SNS.
 */
export function deployAwsLambda(c: TargetConfig<"aws-lambda">): TargetOutputs {
  const name = "estat-mcp";
  const domain = c.domainName && c.hostedZoneId ? { domainName: c.domainName, hostedZoneId: c.hostedZoneId } : undefined;
  const timeouts = awsLambdaTimeouts({ functionTimeoutS: c.timeoutSeconds, apiGateway: c.entry === "apiGateway" });
  const lake = new DataLake(`${name}-lake`, { retain: c.retainData });
  const secrets = new Secrets(`${name}-secrets`, { prefix: `/${c.project}/${c.stack}`, estatAppId: c.estatAppId, apiKeys: c.apiKeys });
  // The REST API exists before the function (its host goes into ALLOWED_HOSTS); a Function URL's host is
  // only known once the function exists, so that entry accepts any Host (auth still applies).
  const api = c.entry === "apiGateway" ? new aws.apigateway.RestApi(`${name}-api`, restApiArgs()) : undefined;
  const region = aws.getRegionOutput().region;
  const apiHost = api ? (domain ? pulumi.output(domain.domainName) : pulumi.interpolate`${api.id}.execute-api.${region}.amazonaws.com`) : undefined;
  const fn = new LambdaFunction(`${name}-fn`, {
    architecture: c.cpuArchitecture,
    memoryMiB: c.memory,
    timeoutS: timeouts.lambda!.functionTimeoutS,
    ephemeralStorageMiB: c.ephemeralStorageMiB,
    reservedConcurrency: c.reservedConcurrency,
    provisionedConcurrency: c.provisionedConcurrency,
    environment: {
      ...serverEnv({
        port: UNUSED_PORT,
        lakeUrl: lake.url,
        allowedHosts: apiHost ?? "",
        logLevel: c.logLevel,
        rateLimitPerMinute: c.rateLimitPerMinute,
        // The adapter takes the client address from the event (API Gateway's or the URL's sourceIp).
        trustedProxyHops: 0,
        timeouts: timeouts.server,
        memoryMiB: c.memory,
      }),
      [`${SERVER_SECRETS.estatAppId}${SSM_SUFFIX}`]: secrets.estatAppId.name,
      [`${SERVER_SECRETS.apiKeys}${SSM_SUFFIX}`]: secrets.apiKeys.name,
    },
    statements: [viaSsmOnly(secrets.readStatements(), region), lake.accessStatements()],
    logRetentionDays: c.logRetentionDays,
  });
  const entry = api
    ? new RestApiEntry(`${name}-rest`, {
        api,
        aliasArn: fn.alias.arn,
        functionName: fn.fn.name,
        aliasName: fn.alias.name,
        integrationTimeoutMs: timeouts.lambda!.integrationTimeoutMs!,
        throttleRatePerSecond: c.throttleRatePerSecond,
        throttleBurst: c.throttleBurst,
        logRetentionDays: c.logRetentionDays,
        domain,
      })
    : new FunctionUrlEntry(`${name}-url`, { functionName: fn.fn.name, aliasName: fn.alias.name });
  if (c.waf && entry instanceof RestApiEntry) {
    new Waf(`${name}-waf`, { scope: "REGIONAL", rateLimitPer5Min: c.wafRateLimitPer5Min, associateWith: entry.stage.arn });
  }
  const monitoring = new LambdaMonitoring(`${name}-mon`, {
    alarmEmail: c.alarmEmail,
    functionName: fn.fn.name,
    aliasName: "live",
    entry: c.entry,
    api: entry instanceof RestApiEntry ? { name: entry.api.name, stage: entry.stage.stageName } : undefined,
    logGroupName: fn.logGroup.name,
    timeoutS: timeouts.lambda!.functionTimeoutS,
    reservedConcurrency: c.reservedConcurrency,
    dashboard: c.dashboard,
  });
  const endpoint = pulumi.interpolate`${entry.baseUrl}/mcp`;
  return {
    endpoint,
    healthUrl: pulumi.interpolate`${entry.baseUrl}${HEALTH_PATH}`,
    apiKey: secrets.apiKey,
    clientConfigs: pulumi.secret(pulumi.all([endpoint, secrets.apiKey]).apply(([e, k]) => clientConfigs(e, k))),
    dataLakeUrl: lake.url,
    logsUrl: logsConsoleUrl(fn.logGroup.name),
    dashboardUrl: monitoring.dashboardUrl,
    dataLakeBucket: lake.bucket.bucket,
    logGroupName: fn.logGroup.name,
  };
}

function restApiArgs(): aws.apigateway.RestApiArgs {
  return { description: "estat-mcp: MCP over Streamable HTTP (Lambda, streaming)", endpointConfiguration: { types: "REGIONAL" } };
}

/** The secrets' statements with kms:Decrypt allowed only when SSM asks for it (kms:ViaService). */
function viaSsmOnly(statements: pulumi.Output<object[]>, region: pulumi.Output<string>): pulumi.Output<object[]> {
  return pulumi.all([statements, region]).apply(([list, r]) =>
    list.map((s) => {
      const st = s as { Action: string[]; Condition?: Record<string, Record<string, unknown>> };
      if (!st.Action.includes("kms:Decrypt")) return s;
      return { ...st, Condition: { ...st.Condition, StringEquals: { ...st.Condition?.StringEquals, "kms:ViaService": `ssm.${r}.amazonaws.com` } } };
    }),
  );
}

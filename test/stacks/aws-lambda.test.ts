import assert from "node:assert/strict";
import { clientConfigs } from "../../stacks/shared/client-configs.ts";
import { cleanRun, countByType, json, ofType, one, refusedConfig, type Run, stackFile } from "./harness.ts";
import { DATA_LAKE, GENERATED_KEY as GENERATED_KEY_RESOURCE, graph, SECRETS } from "./aws-graph.ts";

const REGION = "ap-northeast-1";
const ACCOUNT = "123456789012";
const FN = "estat-mcp-fn-fn";
const ALIAS_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FN}:live`;
const STREAMING_URI = `arn:aws:apigateway:${REGION}:lambda:path/2021-11-15/functions/${ALIAS_ARN}/response-streaming-invocations`;
const API_HOST = `estat-mcp-api-id.execute-api.${REGION}.amazonaws.com`;
const GENERATED_KEY = "GeneratedKey0123456789abcdefghijklmnopqrstuvwxyz";

const fnEnv = (run: Run): Record<string, string> => one(run, "aws:lambda/function:Function").inputs.environment.variables;
const alarms = (run: Run) =>
  Object.fromEntries(ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => [a.name.replace("estat-mcp-mon-", ""), a.inputs]));

function policyOf(run: Run, stack: string) {
  const param = (p: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/estat-mcp/${stack}/${p}`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/estat-mcp/${stack}/lambda:*`],
      },
      { Effect: "Allow", Action: ["ssm:GetParameters"], Resource: [param("estat-app-id"), param("mcp-api-keys")] },
      {
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [`arn:aws:kms:${REGION}:${ACCOUNT}:key/0c7f3d4b-aws-ssm`],
        Condition: {
          StringEquals: {
            "kms:EncryptionContext:PARAMETER_ARN": [param("estat-app-id"), param("mcp-api-keys")],
            "kms:ViaService": `ssm.${REGION}.amazonaws.com`,
          },
        },
      },
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::estat-mcp-lake-bucket"] },
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        Resource: ["arn:aws:s3:::estat-mcp-lake-bucket/*"],
      },
    ],
  };
}

describe("aws-lambda target, lambda-dev stack (Pulumi.lambda-dev.yaml, API Gateway entry)", () => {
  let run: Run;
  before(async () => (run = await cleanRun("lambda-dev")));

  it("creates exactly this resource graph: no provisioned concurrency, no WAF, no dashboard, no VPC", () => {
    assert.deepEqual(
      countByType(run),
      graph(DATA_LAKE, SECRETS, GENERATED_KEY_RESOURCE, {
        "aws:apigateway/account:Account": 1,
        "aws:apigateway/deployment:Deployment": 1,
        "aws:apigateway/integration:Integration": 2,
        "aws:apigateway/method:Method": 2,
        "aws:apigateway/methodSettings:MethodSettings": 1,
        "aws:apigateway/resource:Resource": 1,
        "aws:apigateway/restApi:RestApi": 1,
        "aws:apigateway/stage:Stage": 1,
        "aws:cloudwatch/logGroup:LogGroup": 2,
        "aws:cloudwatch/logMetricFilter:LogMetricFilter": 2,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 6,
        "aws:iam/role:Role": 2,
        "aws:iam/rolePolicy:RolePolicy": 1,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
        "aws:lambda/alias:Alias": 1,
        "aws:lambda/function:Function": 1,
        "aws:lambda/permission:Permission": 1,
        "aws:sns/topic:Topic": 1,
        "estat-mcp:aws:LambdaFunction": 1,
        "estat-mcp:aws:LambdaMonitoring": 1,
        "estat-mcp:aws:RestApiEntry": 1,
      }),
    );
  });

  it("runs the bundle's zip on nodejs24.x arm64, published, with the stack's memory, timeout, /tmp, reserved concurrency, JSON logs", () => {
    const f = one(run, "aws:lambda/function:Function").inputs;
    assert.equal(f.code.__pulumiArchive, true);
    assert.deepEqual(
      [f.runtime, f.architectures, f.handler, f.memorySize, f.timeout, f.ephemeralStorage, f.reservedConcurrentExecutions, f.publish],
      ["nodejs24.x", ["arm64"], "lambda.handler", 512, 120, { size: 512 }, 5, true],
    );
    assert.deepEqual(f.loggingConfig, { logFormat: "JSON", logGroup: "/estat-mcp/lambda-dev/lambda" });
    assert.equal(one(run, "aws:cloudwatch/logGroup:LogGroup", "fn-logs").inputs.retentionInDays, 14);
  });

  it("names the SSM parameters instead of carrying secrets, and keeps the tool deadline below the timeout", () => {
    const env = fnEnv(run);
    assert.equal(env.ESTAT_APP_ID_SSM_PARAMETER, "/estat-mcp/lambda-dev/estat-app-id");
    assert.equal(env.MCP_API_KEYS_SSM_PARAMETER, "/estat-mcp/lambda-dev/mcp-api-keys");
    assert.equal("ESTAT_APP_ID" in env || "MCP_API_KEYS" in env, false);
    assert.equal(JSON.stringify(env).includes(GENERATED_KEY), false);
    assert.deepEqual([env.TOOL_TIMEOUT_MS, env.ESTAT_TIMEOUT_MS, env.ALLOWED_HOSTS, env.TRUSTED_PROXY_HOPS], ["100000", "60000", API_HOST, "0"]);
    assert.deepEqual(
      ofType(run, "aws:ssm/parameter:Parameter").map((p) => [p.inputs.name, p.inputs.type]),
      [
        ["/estat-mcp/lambda-dev/estat-app-id", "SecureString"],
        ["/estat-mcp/lambda-dev/mcp-api-keys", "SecureString"],
      ],
    );
  });

  it("gives the role exactly its logs, its two parameters, kms:Decrypt via SSM for them, and the lake bucket", () => {
    assert.deepEqual(json(one(run, "aws:iam/rolePolicy:RolePolicy").inputs.policy), policyOf(run, "lambda-dev"));
    assert.equal(json(one(run, "aws:iam/role:Role", "fn-role").inputs.assumeRolePolicy).Statement[0].Principal.Service, "lambda.amazonaws.com");
  });

  it("points alias live at the published version; dev keeps no instance warm", () => {
    const alias = one(run, "aws:lambda/alias:Alias").inputs;
    assert.deepEqual([alias.name, alias.functionName, alias.functionVersion], ["live", FN, "1"]);
    assert.deepEqual(ofType(run, "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"), []);
  });

  it("proxies every path and method to the alias in response-streaming mode, timed out with the function", () => {
    const integrations = ofType(run, "aws:apigateway/integration:Integration").map((i) => i.inputs);
    assert.equal(integrations.length, 2);
    for (const i of integrations) {
      assert.deepEqual(
        [i.type, i.integrationHttpMethod, i.uri, i.responseTransferMode, i.timeoutMilliseconds, i.httpMethod],
        ["AWS_PROXY", "POST", STREAMING_URI, "STREAM", 120_000, "ANY"],
      );
    }
    assert.deepEqual(
      ofType(run, "aws:apigateway/integration:Integration").map((i) => i.inputs.resourceId).sort(),
      ["estat-mcp-rest-proxy-id", "root0res1d"],
    );
    assert.equal(one(run, "aws:apigateway/resource:Resource").inputs.pathPart, "{proxy+}");
    assert.deepEqual(one(run, "aws:apigateway/restApi:RestApi").inputs.endpointConfiguration, { types: "REGIONAL" });
  });

  it("lets only this API's live stage invoke the alias", () => {
    const p = one(run, "aws:lambda/permission:Permission").inputs;
    assert.deepEqual(p, {
      action: "lambda:InvokeFunction",
      function: FN,
      qualifier: "live",
      principal: "apigateway.amazonaws.com",
      sourceArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:estat-mcp-api-id/live/*/*`,
    });
  });

  it("throttles the stage and writes JSON access logs with retention", () => {
    const stage = one(run, "aws:apigateway/stage:Stage").inputs;
    assert.equal(stage.stageName, "live");
    const group = one(run, "aws:cloudwatch/logGroup:LogGroup", "access-logs");
    assert.deepEqual([group.inputs.name, group.inputs.retentionInDays], ["/estat-mcp/lambda-dev/api-access", 14]);
    assert.equal(stage.accessLogSettings.destinationArn, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/estat-mcp/lambda-dev/api-access`);
    const format = JSON.parse(stage.accessLogSettings.format);
    assert.deepEqual([format.requestId, format.status, format.ip], ["$context.requestId", "$context.status", "$context.identity.sourceIp"]);
    const settings = one(run, "aws:apigateway/methodSettings:MethodSettings").inputs;
    assert.deepEqual([settings.methodPath, settings.settings.throttlingRateLimit, settings.settings.throttlingBurstLimit], ["*/*", 5, 10]);
    assert.ok(one(run, "aws:apigateway/account:Account").inputs.cloudwatchRoleArn);
  });

  it("alarms on errors, throttles, p99 near the timeout, API 5xx, concurrency near reserved and e-Stat errors, to the topic", () => {
    const a = alarms(run);
    assert.deepEqual(Object.keys(a).sort(), ["api-5xx", "concurrency-high", "duration-p99", "errors", "estat-errors", "throttles"]);
    assert.deepEqual([a["duration-p99"].extendedStatistic, a["duration-p99"].threshold], ["p99", 96_000]);
    assert.deepEqual([a["concurrency-high"].metricName, a["concurrency-high"].threshold], ["ConcurrentExecutions", 4]);
    assert.deepEqual(a["api-5xx"].dimensions, { ApiName: "estat-mcp-api", Stage: "live" });
    assert.deepEqual(a.errors.dimensions, { FunctionName: FN, Resource: `${FN}:live` });
    const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:Topic/estat-mcp-mon-alarms`;
    for (const alarm of Object.values(a)) assert.deepEqual(alarm.alarmActions, [topic]);
  });

  it("exports the same outputs as Fargate, on the stage's URL", () => {
    const base = `https://${API_HOST}/live`;
    assert.equal(run.outputs.endpoint, `${base}/mcp`);
    assert.equal(run.outputs.healthUrl, `${base}/healthz`);
    assert.equal(run.outputs.apiKey, GENERATED_KEY);
    assert.deepEqual(run.outputs.clientConfigs, clientConfigs(`${base}/mcp`, GENERATED_KEY));
    assert.deepEqual([run.outputs.dataLakeBucket, run.outputs.dataLakeUrl], ["estat-mcp-lake-bucket", "s3://estat-mcp-lake-bucket"]);
    assert.equal(run.outputs.logGroupName, "/estat-mcp/lambda-dev/lambda");
    assert.equal(run.outputs.dashboardUrl, undefined);
    assert.deepEqual(run.outputs.__secret.toSorted(), ["apiKey", "clientConfigs"]);
  });
});

describe("aws-lambda target, lambda-prod stack (Pulumi.lambda-prod.yaml)", () => {
  let run: Run;
  before(async () => (run = await cleanRun("lambda-prod")));

  it("keeps one instance warm on the alias live, never on $LATEST", () => {
    const pc = one(run, "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig").inputs;
    assert.deepEqual(pc, { functionName: FN, qualifier: "live", provisionedConcurrentExecutions: 1 });
  });

  it("streams as long as the function runs, with the shared tool deadline well inside it", () => {
    const f = one(run, "aws:lambda/function:Function").inputs;
    assert.deepEqual([f.timeout, f.memorySize, f.ephemeralStorage.size, f.reservedConcurrentExecutions], [180, 1024, 2048, 20]);
    for (const i of ofType(run, "aws:apigateway/integration:Integration")) assert.equal(i.inputs.timeoutMilliseconds, 180_000);
    assert.deepEqual([fnEnv(run).TOOL_TIMEOUT_MS, fnEnv(run).EXECUTE_TIMEOUT_MS], ["100000", "100000"]);
    assert.equal(alarms(run)["duration-p99"].threshold, 144_000);
  });

  it("puts a regional WAF web ACL on the stage and builds the dashboard", () => {
    const acl = one(run, "aws:wafv2/webAcl:WebAcl").inputs;
    assert.equal(acl.scope, "REGIONAL");
    assert.equal(acl.region, undefined);
    assert.equal(acl.rules[0].statement.rateBasedStatement.limit, 1000);
    assert.equal(
      one(run, "aws:wafv2/webAclAssociation:WebAclAssociation").inputs.resourceArn,
      `arn:aws:apigateway:${REGION}::/restapis/estat-mcp-api-id/stages/live`,
    );
    const body = json(one(run, "aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody);
    assert.ok(body.widgets.some((w: { properties: { title: string } }) => w.properties.title === "API Gateway"));
    assert.match(run.outputs.dashboardUrl, /#dashboards\/dashboard\/estat-mcp-lambda-prod$/);
  });

  it("with a domain: a regional custom domain with an ACM certificate, TLS 1.2, mapped to the stage, in Route 53", async () => {
    const withDomain = await cleanRun("lambda-prod", {
      ...stackFile("lambda-prod"),
      "estat-mcp:domainName": "mcp.example.jp",
      "estat-mcp:hostedZoneId": "Z0123456789ABC",
    });
    const d = one(withDomain, "aws:apigateway/domainName:DomainName").inputs;
    assert.deepEqual(
      [d.domainName, d.securityPolicy, d.endpointConfiguration, d.regionalCertificateArn],
      ["mcp.example.jp", "TLS_1_2", { types: "REGIONAL" }, `arn:aws:acm:${REGION}:${ACCOUNT}:Certificate/estat-mcp-rest-cert`],
    );
    const mapping = one(withDomain, "aws:apigateway/basePathMapping:BasePathMapping").inputs;
    assert.deepEqual([mapping.stageName, mapping.domainName], ["live", "mcp.example.jp"]);
    const record = ofType(withDomain, "aws:route53/record:Record").find((r) => r.inputs.type === "A");
    assert.deepEqual(record?.inputs.aliases, [
      { name: `d-abc123def4.execute-api.${REGION}.amazonaws.com`, zoneId: "Z1YSHQZHG15GKL", evaluateTargetHealth: false },
    ]);
    assert.equal(withDomain.outputs.endpoint, "https://mcp.example.jp/mcp");
    assert.equal(fnEnv(withDomain).ALLOWED_HOSTS, "mcp.example.jp");
  });
});

describe("aws-lambda target, entry functionUrl", () => {
  let run: Run;
  before(async () => (run = await cleanRun("lambda-dev", { ...stackFile("lambda-dev"), "estat-mcp:entry": "functionUrl" })));

  it("serves a streaming Function URL on the alias, public at the URL only, and no API Gateway", () => {
    const url = one(run, "aws:lambda/functionUrl:FunctionUrl").inputs;
    assert.deepEqual(url, { functionName: FN, qualifier: "live", authorizationType: "NONE", invokeMode: "RESPONSE_STREAM" });
    assert.deepEqual(
      ofType(run, "aws:lambda/permission:Permission").map((p) => p.inputs),
      [
        { action: "lambda:InvokeFunction", function: FN, qualifier: "live", principal: "*", invokedViaFunctionUrl: true },
        { action: "lambda:InvokeFunctionUrl", function: FN, qualifier: "live", principal: "*", functionUrlAuthType: "NONE" },
      ],
    );
    assert.deepEqual(run.resources.filter((r) => r.type.startsWith("aws:apigateway/")), []);
    // The app's API keys decide who is served: the function still reads them from SSM.
    assert.equal(fnEnv(run).MCP_API_KEYS_SSM_PARAMETER, "/estat-mcp/lambda-dev/mcp-api-keys");
  });

  it("alarms on the URL's 5xx instead of API Gateway's, and exports the URL's endpoint", () => {
    const a = alarms(run);
    assert.equal("api-5xx" in a, false);
    assert.deepEqual([a["url-5xx"].metricName, a["url-5xx"].dimensions], ["Url5xxCount", { FunctionName: FN, Resource: `${FN}:live` }]);
    const base = "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.ap-northeast-1.on.aws";
    assert.equal(run.outputs.endpoint, `${base}/mcp`);
    assert.equal(run.outputs.healthUrl, `${base}/healthz`);
    assert.equal(fnEnv(run).ALLOWED_HOSTS, "");
  });

  it("refuses WAF and a domain on a Function URL, and provisioned above reserved, naming the keys", async () => {
    const message = await refusedConfig("lambda-dev", {
      "estat-mcp:entry": "functionUrl",
      "estat-mcp:waf": "true",
      "estat-mcp:provisionedConcurrency": "6",
    });
    assert.match(message, /estat-mcp:provisionedConcurrency: must be ≤ reservedConcurrency \(5\)/);
    assert.match(message, /estat-mcp:waf: a Function URL cannot carry a WAF web ACL .* Set waf to false, or entry to apiGateway/);
  });
});

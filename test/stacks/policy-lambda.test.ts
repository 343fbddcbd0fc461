import assert from "node:assert/strict";
import type { PolicyResource } from "@pulumi/policy";
import * as aws from "../../policy/rules/aws.js";
import * as lambda from "../../policy/rules/lambda.js";
import { type Run, runStack, stackFile } from "./harness.ts";
import { everyRulePasses, policyResource, ruleViolations, stackRuleViolations } from "./policy-check.ts";

const resourcePolicies = [...aws.resourcePolicies, ...lambda.resourcePolicies];
const stackPolicies = [...aws.stackPolicies, ...lambda.stackPolicies];

const violations = (rule: string, type: string, props: Record<string, any>) =>
  ruleViolations(lambda.resourcePolicies, rule, type, props);
const stackViolations = (rule: string, resources: PolicyResource[]) =>
  stackRuleViolations(stackPolicies, rule, resources);
const res = policyResource;

const GOOD_FN = {
  runtime: "nodejs24.x",
  timeout: 120,
  loggingConfig: { logFormat: "JSON", logGroup: "/estat-mcp/dev/lambda" },
  environment: { variables: { TOOL_TIMEOUT_MS: "100000", MCP_API_KEYS_SSM_PARAMETER: "/estat-mcp/dev/mcp-api-keys" } },
};

const configs: [string, () => Promise<Run>][] = [
  ["lambda-dev", () => runStack("lambda-dev")],
  ["lambda-prod", () => runStack("lambda-prod")],
  ["lambda-dev with a Function URL", () => runStack("lambda-dev", { ...stackFile("lambda-dev"), "estat-mcp:entry": "functionUrl" })],
];

describe("policy pack over the aws-lambda stacks (policy/rules/aws.js + lambda.js)", () => {
  for (const [label, load] of configs) {
    describe(`every resource of ${label}`, () => {
      const stack = everyRulePasses(load, resourcePolicies, stackPolicies);
      it("sees the function (the Lambda rules are not vacuous)", () => {
        assert.equal(stack.resources.filter((r) => r.type === "aws:lambda/function:Function").length, 1);
        const url = stack.resources.find((r) => r.type === "aws:lambda/functionUrl:FunctionUrl");
        if (url) assert.deepEqual(url.propertyDependencies.functionName?.map((r) => r.type), ["aws:lambda/function:Function"]);
      });
    });
  }

  describe("each Lambda rule fails on a bad resource and passes a good one", () => {
    const fn = "aws:lambda/function:Function";
    it("lambda-runtime-supported: nodejs20.x", () => {
      assert.deepEqual(violations("lambda-runtime-supported", fn, { ...GOOD_FN, runtime: "nodejs20.x" }), [
        "Runtime nodejs20.x is deprecated or not a supported Node.js runtime. Use one of: nodejs22.x, nodejs24.x.",
      ]);
      assert.deepEqual(violations("lambda-runtime-supported", fn, GOOD_FN), []);
    });

    it("lambda-logs-to-retained-group: Lambda's default group, text logs", () => {
      assert.deepEqual(violations("lambda-logs-to-retained-group", fn, { ...GOOD_FN, loggingConfig: undefined }), [
        "No loggingConfig.logGroup: logs go to /aws/lambda/<name>, which never expires.",
        "Log format Text; use JSON.",
      ]);
      assert.deepEqual(violations("lambda-logs-to-retained-group", fn, GOOD_FN), []);
    });

    it("lambda-tool-deadline-below-timeout: a deadline at the timeout, and the server's default above a short one", () => {
      const at = { ...GOOD_FN, environment: { variables: { TOOL_TIMEOUT_MS: "120000" } } };
      assert.deepEqual(violations("lambda-tool-deadline-below-timeout", fn, at), [
        "TOOL_TIMEOUT_MS 120000 ms is not below the function timeout (120 s): a slow call would end as a gateway error while the function runs on.",
      ]);
      assert.equal(violations("lambda-tool-deadline-below-timeout", fn, { ...GOOD_FN, timeout: 90, environment: { variables: {} } }).length, 1);
      assert.deepEqual(violations("lambda-tool-deadline-below-timeout", fn, GOOD_FN), []);
    });

    it("lambda-permission-scoped: a wildcard action, a public direct invoke, a service principal without sourceArn", () => {
      const perm = "aws:lambda/permission:Permission";
      assert.deepEqual(violations("lambda-permission-scoped", perm, { action: "lambda:*", principal: "apigateway.amazonaws.com", sourceArn: "arn:x" }), [
        "Wildcard action lambda:*.",
      ]);
      assert.equal(violations("lambda-permission-scoped", perm, { action: "lambda:InvokeFunction", principal: "*" }).length, 1);
      assert.match(
        violations("lambda-permission-scoped", perm, { action: "lambda:InvokeFunction", principal: "apigateway.amazonaws.com" })[0],
        /without a sourceArn/,
      );
      assert.deepEqual(violations("lambda-permission-scoped", perm, { action: "lambda:InvokeFunction", principal: "*", invokedViaFunctionUrl: true }), []);
    });

    it("lambda-provisioned-on-alias: $LATEST", () => {
      const pc = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig";
      assert.equal(violations("lambda-provisioned-on-alias", pc, { qualifier: "$LATEST", provisionedConcurrentExecutions: 1 }).length, 1);
      assert.deepEqual(violations("lambda-provisioned-on-alias", pc, { qualifier: "live", provisionedConcurrentExecutions: 1 }), []);
    });

    it("lambda-url-auth: a public URL in front of a server without auth, or of a function it cannot identify", () => {
      const noAuth = res(fn, "open", { ...GOOD_FN, environment: { variables: { MCP_AUTH: "none" } } });
      const url = (deps: PolicyResource[]) =>
        res("aws:lambda/functionUrl:FunctionUrl", "url", { authorizationType: "NONE", invokeMode: "RESPONSE_STREAM" }, { functionName: deps });
      assert.deepEqual(stackViolations("lambda-url-auth", [noAuth, url([noAuth])]), [
        "Function URL url is open to anyone (authorizationType NONE) and function open has no API keys or OAuth: set MCP_API_KEYS (or its _SSM_PARAMETER), or authorizationType AWS_IAM.",
      ]);
      assert.equal(stackViolations("lambda-url-auth", [url([])]).length, 1);
      const keys = res(fn, "keys", GOOD_FN);
      assert.deepEqual(stackViolations("lambda-url-auth", [keys, url([keys])]), []);
      const oauth = res(fn, "oauth", { ...GOOD_FN, environment: { variables: { MCP_AUTH: "oauth" } } });
      assert.deepEqual(stackViolations("lambda-url-auth", [oauth, url([oauth])]), []);
    });
  });
});

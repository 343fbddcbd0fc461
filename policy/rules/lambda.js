// @ts-check
/**
 * CrossGuard rules for the AWS Lambda target's resources (stacks/aws-lambda). Plain JavaScript, as the
 * Pulumi CLI loads packs (see index.js); helpers in common.js. The AWS-wide rules (log retention, no
 * wildcard IAM actions, SecureString parameters, private buckets) are aws.js's and apply here too.
 */
import { asArray, rule, stackRule } from "./common.js";

const T = {
  fn: "aws:lambda/function:Function",
  url: "aws:lambda/functionUrl:FunctionUrl",
  permission: "aws:lambda/permission:Permission",
  provisioned: "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig",
};

/** Node.js runtimes Lambda still creates and updates; nodejs20.x and older are deprecated. */
export const SUPPORTED_RUNTIMES = ["nodejs22.x", "nodejs24.x"];
/** The server's tool deadline when TOOL_TIMEOUT_MS is not set (server/config.ts). */
const DEFAULT_TOOL_TIMEOUT_MS = 120_000;

/** Whether the server in this function authenticates callers itself (API keys or OAuth). @param {Record<string, string> | undefined} env */
function appAuthOn(env) {
  const e = env ?? {};
  if (e.MCP_AUTH === "none") return false;
  if (e.MCP_AUTH === "oauth") return true;
  return Boolean(e.MCP_API_KEYS || e.MCP_API_KEY || e.MCP_API_KEYS_SSM_PARAMETER || e.MCP_API_KEY_SSM_PARAMETER);
}

/** @type {import("@pulumi/policy").ResourceValidationPolicy[]} */
export const resourcePolicies = [
  rule("lambda-runtime-supported", "Functions run a Node.js runtime Lambda still supports.", [T.fn], (p, report) => {
    if (!SUPPORTED_RUNTIMES.includes(p.runtime)) {
      report(`Runtime ${p.runtime} is deprecated or not a supported Node.js runtime. Use one of: ${SUPPORTED_RUNTIMES.join(", ")}.`);
    }
  }),
  rule(
    "lambda-logs-to-retained-group",
    "Functions log JSON to a log group the stack creates (with retention), not Lambda's default group kept forever.",
    [T.fn],
    (p, report) => {
      if (!p.loggingConfig?.logGroup) report("No loggingConfig.logGroup: logs go to /aws/lambda/<name>, which never expires.");
      if (p.loggingConfig?.logFormat !== "JSON") report(`Log format ${p.loggingConfig?.logFormat ?? "Text"}; use JSON.`);
    },
  ),
  rule(
    "lambda-tool-deadline-below-timeout",
    "The server's tool deadline ends before the function times out, so a slow call ends as a tool error.",
    [T.fn],
    (p, report) => {
      const env = p.environment?.variables ?? {};
      const deadline = Number(env.TOOL_TIMEOUT_MS ?? DEFAULT_TOOL_TIMEOUT_MS);
      const timeoutMs = Number(p.timeout ?? 3) * 1000;
      if (!(deadline < timeoutMs)) {
        report(`TOOL_TIMEOUT_MS ${deadline} ms is not below the function timeout (${timeoutMs / 1000} s): a slow call would end as a gateway error while the function runs on.`);
      }
    },
  ),
  rule(
    "lambda-permission-scoped",
    "Invoke permissions name one action, and a public principal only through a Function URL.",
    [T.permission],
    (p, report) => {
      for (const a of asArray(p.action)) if (a === "*" || String(a).endsWith(":*")) report(`Wildcard action ${a}.`);
      if (p.principal === "*" && p.functionUrlAuthType === undefined && p.invokedViaFunctionUrl !== true) {
        report("Principal * may invoke the function directly; allow it only through the Function URL (functionUrlAuthType or invokedViaFunctionUrl).");
      }
      if (String(p.principal).endsWith(".amazonaws.com") && !p.sourceArn) {
        report(`Service principal ${p.principal} without a sourceArn: any account's ${p.principal.split(".")[0]} could invoke the function.`);
      }
    },
  ),
  rule("lambda-provisioned-on-alias", "Provisioned concurrency is set on an alias, never on $LATEST.", [T.provisioned], (p, report) => {
    if (!p.qualifier || p.qualifier === "$LATEST") report(`Qualifier ${p.qualifier ?? "(none)"}: provisioned concurrency needs a published alias.`);
  }),
];

/** @type {import("@pulumi/policy").StackValidationPolicy[]} */
export const stackPolicies = [
  stackRule(
    "lambda-url-auth",
    "A Function URL with authorizationType NONE fronts a server that authenticates callers itself.",
    (resources, report) => {
      for (const url of resources.filter((r) => r.type === T.url && r.props.authorizationType === "NONE")) {
        const fns = (url.propertyDependencies?.functionName ?? []).filter((r) => r.type === T.fn);
        if (fns.length === 0) {
          report(`Function URL ${url.name}: cannot tell which function it serves, so cannot check its auth.`, url.urn);
          continue;
        }
        for (const fn of fns) {
          if (!appAuthOn(fn.props.environment?.variables)) {
            report(
              `Function URL ${url.name} is open to anyone (authorizationType NONE) and function ${fn.name} has no API keys or OAuth: set MCP_API_KEYS (or its _SSM_PARAMETER), or authorizationType AWS_IAM.`,
              url.urn,
            );
          }
        }
      }
    },
  ),
];

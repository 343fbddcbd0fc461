import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { resourcePolicies } from "../../policy/rules/aws.js";
import { ofType, prodWithDomain, type Run, runStack, stackFile } from "./harness.ts";
import { assumingService, type Call, callsOf, list, permits, type Statement } from "./iam-calls.ts";

const IAM = join(import.meta.dirname, "../../docs/iam");
const WORKFLOWS = join(import.meta.dirname, "../../.github/workflows");
const doc = (name: string) => JSON.parse(readFileSync(join(IAM, name), "utf8")) as { Version: string; Statement: Statement[] };
const sub = (name: string) => list(doc(name).Statement[0].Condition?.StringEquals?.["token.actions.githubusercontent.com:sub"]);

/** The aws-lambda stacks as CI previews and deploys them, with each entry and with a custom domain. */
function lambdaStacks(): Promise<Run[]> {
  return Promise.all([
    runStack("lambda-dev"),
    runStack("lambda-prod"),
    runStack("lambda-prod", { ...stackFile("lambda-prod"), "estat-mcp:domainName": "mcp.example.jp", "estat-mcp:hostedZoneId": "Z0123456789ABC" }),
    runStack("lambda-dev", { ...stackFile("lambda-dev"), "estat-mcp:entry": "functionUrl" }),
  ]);
}

/** The IAM service prefix that creates a Pulumi AWS type, e.g. aws:lb/listener:Listener → elasticloadbalancing. */
function servicePrefix(type: string): string {
  const [, mod, rest] = /^aws:([a-z0-9]+)\/([a-zA-Z0-9]+):/.exec(type) ?? [];
  const byModule: Record<string, string> = {
    lb: "elasticloadbalancing",
    vpc: "ec2",
    appautoscaling: "application-autoscaling",
  };
  if (mod === "cloudwatch") return /^log/.test(rest) ? "logs" : "cloudwatch";
  return byModule[mod] ?? mod;
}

// Regression: nothing said what the deploy role needs for a first deployment into a fresh account, so
// the first `pulumi up` stopped at whichever permission came first (a service-linked role, PassRole…).
describe("the deploy role's permissions (docs/iam/deploy-role-policy.json)", () => {
  const policy = doc("deploy-role-policy.json");
  const allows = policy.Statement.filter((s) => s.Effect === "Allow");
  const actions = new Set(allows.flatMap((s) => list(s.Action)));
  let runs: Run[];
  let lambdaRuns: Run[];
  before(async () => {
    [runs, lambdaRuns] = await Promise.all([
      Promise.all([runStack("dev"), runStack("prod"), runStack("prod", prodWithDomain())]),
      lambdaStacks(),
    ]);
    for (const r of [...runs, ...lambdaRuns]) assert.deepEqual(r.errors, []);
  });

  it("is an IAM policy document our own iam-no-wildcard-actions rule accepts", () => {
    assert.equal(policy.Version, "2012-10-17");
    const rule = resourcePolicies.find((p) => p.name === "iam-no-wildcard-actions");
    const found: string[] = [];
    const args = { type: "aws:iam/policy:Policy", props: { policy: JSON.stringify(policy) }, urn: "urn:x", name: "deploy" };
    (rule?.validateResource as any)(args, (m: string) => found.push(m));
    assert.deepEqual(found, []);
    for (const a of actions) assert.match(a, /^[a-z0-9-]+:[A-Za-z0-9]+$/, `${a} is one exact action`);
  });

  it("covers every AWS service whose resources dev, prod, prod with a domain and the lambda stacks create", () => {
    const services = new Set([...runs, ...lambdaRuns].flatMap((r) => r.resources.filter((x) => x.type.startsWith("aws:")).map((x) => servicePrefix(x.type))));
    const granted = new Set([...actions].map((a) => a.split(":")[0]));
    assert.deepEqual([...services].filter((s) => !granted.has(s)).sort(), []);
  });

  it("may pass exactly the stacks' own roles, each only to the service that assumes it", () => {
    const pass = allows.filter((s) => list(s.Action).includes("iam:PassRole"));
    for (const s of pass) assert.deepEqual(list(s.Action), ["iam:PassRole"], `${s.Sid} passes roles and nothing else`);
    const granted = pass.map((s) => [s.Condition?.StringEquals?.["iam:PassedToService"], list(s.Resource).sort()]);
    // Pulumi auto-names a role <name>-<7 random characters>.
    const roles = new Map<string, Set<string>>();
    for (const role of [...runs, ...lambdaRuns].flatMap((r) => ofType(r, "aws:iam/role:Role"))) {
      const service = assumingService(role);
      roles.set(service, (roles.get(service) ?? new Set()).add(`arn:aws:iam::*:role/${role.name}-*`));
    }
    const expected = [...roles].map(([service, arns]) => [service, [...arns].sort()]);
    const byService = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    assert.deepEqual(granted.sort(byService), expected.sort(byService));
    assert.deepEqual(ofType(runs[1], "aws:iam/role:Role").map((r) => r.name).sort(), ["estat-mcp-svc-execution", "estat-mcp-svc-task"]);
    assert.deepEqual(granted.find(([service]) => service === "ecs-tasks.amazonaws.com"), [
      "ecs-tasks.amazonaws.com",
      ["arn:aws:iam::*:role/estat-mcp-svc-execution-*", "arn:aws:iam::*:role/estat-mcp-svc-task-*"],
    ]);
  });

  it("grants every call the lambda stacks' resources need, on those resources (lambda-dev, lambda-prod, a domain, a Function URL)", () => {
    const denied: Call[] = [];
    for (const run of lambdaRuns) {
      const { calls, unknown } = callsOf(run);
      assert.deepEqual(unknown, [], "every resource type has its calls in test/stacks/iam-calls.ts");
      denied.push(...calls.filter((c) => !permits(policy.Statement, c)));
    }
    assert.deepEqual([...new Set(denied.map((c) => `${c.action} on ${c.resource}`))], []);
  });

  it("lets the API Gateway CloudWatch role get exactly the managed push-to-CloudWatch policy", () => {
    const attach = allows.filter((s) => list(s.Action).includes("iam:AttachRolePolicy"));
    assert.deepEqual(
      attach.map((s) => [list(s.Resource), s.Condition]),
      [
        [
          ["arn:aws:iam::*:role/estat-mcp-rest-cloudwatch-role-*"],
          { StringEquals: { "iam:PolicyARN": "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs" } },
        ],
      ],
    );
    const attached = lambdaRuns.flatMap((r) => ofType(r, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn));
    assert.deepEqual([...new Set(attached)], ["arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"]);
  });

  it("scopes S3 and SSM to the stack's own buckets and parameters", () => {
    const buckets = allows.find((s) => s.Sid === "Buckets");
    const prefixes = [...runs, ...lambdaRuns].flatMap((r) => ofType(r, "aws:s3/bucket:Bucket").map((b) => b.inputs.bucketPrefix as string));
    assert.deepEqual(
      [...new Set(prefixes)].map((p) => `arn:aws:s3:::${p}*`).sort(),
      list(buckets?.Resource).sort(),
    );
    const params = [...runs, ...lambdaRuns].flatMap((r) => ofType(r, "aws:ssm/parameter:Parameter").map((p) => p.inputs.name as string));
    const secrets = allows.find((s) => s.Sid === "Secrets");
    assert.deepEqual(list(secrets?.Resource), ["arn:aws:ssm:ap-northeast-1:*:parameter/estat-mcp/*"]);
    for (const name of params) assert.match(name, /^\/estat-mcp\//);
  });

  it("may create the service-linked roles a fresh account lacks: ECS, ELB, Application Auto Scaling, CloudFront VPC origins", () => {
    const slr = allows.filter((s) => list(s.Action).includes("iam:CreateServiceLinkedRole"));
    assert.equal(slr.length, 1);
    assert.deepEqual(list(slr[0].Condition?.StringEquals?.["iam:AWSServiceName"]).sort(), [
      "cloudfront.amazonaws.com",
      "ecs.amazonaws.com",
      "ecs.application-autoscaling.amazonaws.com",
      "elasticloadbalancing.amazonaws.com",
    ]);
  });

  it("allows wafv2 in us-east-1 (CloudFront-scope web ACLs live there) and the KMS and prefix-list look-ups", () => {
    const waf = allows.find((s) => list(s.Action).includes("wafv2:CreateWebACL"));
    assert.deepEqual(list(waf?.Condition?.StringEquals?.["aws:RequestedRegion"]).sort(), ["ap-northeast-1", "us-east-1"]);
    for (const a of ["kms:DescribeKey", "kms:ListAliases", "ec2:DescribeManagedPrefixLists", "sts:GetCallerIdentity"]) {
      assert.ok(actions.has(a), a);
    }
  });
});

describe("the prod preview role (docs/iam/prod-preview-role-*.json)", () => {
  it("only reads, and is denied secrets and lake data", () => {
    const p = doc("prod-preview-role-policy.json");
    const allowed = p.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => list(s.Action));
    const writes = /:(Create|Delete|Put|Update|Modify|Register|Deregister|Tag|Untag|Attach|Detach|Associate|Authorize|Revoke|Set|Pass|Change|Request|Upload|Initiate|Complete)/;
    assert.deepEqual(allowed.filter((a) => writes.test(a)), []);
    const denied = p.Statement.filter((s) => s.Effect === "Deny").flatMap((s) => list(s.Action));
    for (const a of ["ssm:GetParameter", "kms:Decrypt", "s3:GetObject"]) assert.ok(denied.includes(a), a);
  });

  it("trusts only the preview environments (prod-preview, lambda-prod-preview), and no other role trusts them", () => {
    assert.deepEqual(sub("prod-preview-role-trust.json"), [
      "repo:OWNER/REPO:environment:prod-preview",
      "repo:OWNER/REPO:environment:lambda-prod-preview",
    ]);
    assert.deepEqual(sub("prod-deploy-role-trust.json"), ["repo:OWNER/REPO:environment:prod", "repo:OWNER/REPO:environment:lambda-prod"]);
    assert.ok(!sub("dev-deploy-role-trust.json").some((s) => s.includes("prod")));
    const workflow = readFileSync(join(WORKFLOWS, "pull-request.yml"), "utf8");
    assert.match(workflow, /- stack: prod\n {12}environment: prod-preview\n {12}role: AWS_PROD_PREVIEW_ROLE_ARN/);
    assert.match(workflow, /- stack: lambda-prod\n {12}environment: lambda-prod-preview\n {12}role: AWS_PROD_PREVIEW_ROLE_ARN/);
    assert.match(workflow, /environment:\n {6}name: \$\{\{ matrix\.environment \}\}/);
    assert.match(workflow, /role-to-assume: \$\{\{ vars\[matrix\.role\] \}\}/);
    assert.doesNotMatch(workflow, /AWS_PROD_DEPLOY_ROLE_ARN/, "a pull request never gets the prod deploy role");
  });

  it("reads every AWS service the prod and lambda-prod stacks create", async () => {
    const p = doc("prod-preview-role-policy.json");
    const read = new Set(p.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => list(s.Action)).map((a) => a.split(":")[0]));
    const runs = [await runStack("prod"), await runStack("prod", prodWithDomain()), ...(await lambdaStacks())];
    const services = new Set(runs.flatMap((r) => r.resources.filter((x) => x.type.startsWith("aws:")).map((x) => servicePrefix(x.type))));
    assert.deepEqual([...services].filter((s) => !read.has(s)).sort(), []);
  });
});

describe("the roles' GitHub OIDC trust (docs/iam/*-trust.json) against the workflows", () => {
  // Regression: the Lambda jobs ran in environments (lambda-dev, lambda-prod, …) no role trusted.
  it("trusts exactly the environments of the jobs that assume each role", () => {
    const trust: Record<string, string> = {
      AWS_DEPLOY_ROLE_ARN: "dev-deploy-role-trust.json",
      AWS_PROD_DEPLOY_ROLE_ARN: "prod-deploy-role-trust.json",
      AWS_PROD_PREVIEW_ROLE_ARN: "prod-preview-role-trust.json",
    };
    const used = new Map<string, Set<string>>();
    for (const file of ["deploy.yml", "pull-request.yml", "gcp.yml"]) {
      const jobs = parse(readFileSync(join(WORKFLOWS, file), "utf8")).jobs as Record<string, any>;
      for (const job of Object.values(jobs)) {
        const step = job.steps?.find((s: { uses?: string }) => s.uses?.startsWith("aws-actions/configure-aws-credentials"));
        if (!step) continue;
        const role: string = step.with["role-to-assume"];
        const pairs: [string, string][] =
          role === "${{ vars[matrix.role] }}"
            ? job.strategy.matrix.include.map((i: { role: string; environment: string }) => [i.role, i.environment])
            : [[/^\$\{\{ vars\.(\w+) \}\}$/.exec(role)![1], job.environment.name]];
        for (const [r, env] of pairs) used.set(r, (used.get(r) ?? new Set()).add(`repo:OWNER/REPO:environment:${env}`));
      }
    }
    assert.deepEqual([...used.keys()].sort(), Object.keys(trust).sort());
    for (const [role, envs] of used) assert.deepEqual(sub(trust[role]).sort(), [...envs].sort(), role);
    assert.ok(used.get("AWS_DEPLOY_ROLE_ARN")?.has("repo:OWNER/REPO:environment:lambda-dev"));
    assert.ok(used.get("AWS_PROD_DEPLOY_ROLE_ARN")?.has("repo:OWNER/REPO:environment:lambda-prod"));
  });
});

// Regression: the workflows failed at program start (no estatAppId) and nothing said how CI gets one.
describe("how CI gets the e-Stat appId (docs/deploy-aws.md, Secrets for CI)", () => {
  it("documents both ways with the key the program asks for when it is missing", async () => {
    const run = await runStack("dev", undefined, {});
    assert.ok(run.errors.some((e) => e.includes("pulumi config set --secret estat-mcp:estatAppId")), run.errors.join("\n"));
    const docs = readFileSync(join(import.meta.dirname, "../../docs/deploy-aws.md"), "utf8");
    const section = docs.slice(docs.indexOf("### Secrets for CI"), docs.indexOf("### Destroying a stack"));
    assert.match(section, /pulumiConfig:\n {6}estat-mcp:estatAppId:\n {8}fn::secret: /);
    assert.match(section, /environment:\n {4}- estat-mcp\/dev/);
    assert.match(section, /pulumi config set --secret estat-mcp:estatAppId <appId>/);
    for (const stack of ["dev", "prod"]) {
      const text = readFileSync(join(import.meta.dirname, `../../Pulumi.${stack}.yaml`), "utf8");
      assert.doesNotMatch(text, /estatAppId:\s*(?!secure:)\S/, "never an appId in clear");
    }
  });
});

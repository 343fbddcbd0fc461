import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resourcePolicies } from "../../policy/rules/aws.js";
import { ofType, prodWithDomain, type Run, runStack } from "./harness.ts";

const IAM = join(import.meta.dirname, "../../docs/iam");
interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
const doc = (name: string) => JSON.parse(readFileSync(join(IAM, name), "utf8")) as { Version: string; Statement: Statement[] };
const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

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
  before(async () => {
    runs = await Promise.all([runStack("dev"), runStack("prod"), runStack("prod", prodWithDomain())]);
    for (const r of runs) assert.deepEqual(r.errors, []);
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

  it("covers every AWS service whose resources dev, prod and prod with a domain create", () => {
    const services = new Set(runs.flatMap((r) => r.resources.filter((x) => x.type.startsWith("aws:")).map((x) => servicePrefix(x.type))));
    const granted = new Set([...actions].map((a) => a.split(":")[0]));
    assert.deepEqual([...services].filter((s) => !granted.has(s)).sort(), []);
  });

  it("may pass exactly the two task roles, only to ECS tasks", () => {
    const pass = allows.filter((s) => list(s.Action).includes("iam:PassRole"));
    assert.equal(pass.length, 1);
    const roles = ofType(runs[1], "aws:iam/role:Role").map((r) => r.name).sort();
    assert.deepEqual(roles, ["estat-mcp-svc-execution", "estat-mcp-svc-task"]);
    // Pulumi auto-names a role <name>-<7 random characters>.
    assert.deepEqual(list(pass[0].Resource).sort(), roles.map((n) => `arn:aws:iam::*:role/${n}-*`));
    assert.deepEqual(pass[0].Condition, { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } });
  });

  it("scopes S3 and SSM to the stack's own buckets and parameters", () => {
    const buckets = allows.find((s) => s.Sid === "Buckets");
    const prefixes = runs.flatMap((r) => ofType(r, "aws:s3/bucket:Bucket").map((b) => b.inputs.bucketPrefix as string));
    assert.deepEqual(
      [...new Set(prefixes)].map((p) => `arn:aws:s3:::${p}*`).sort(),
      list(buckets?.Resource).sort(),
    );
    const params = runs.flatMap((r) => ofType(r, "aws:ssm/parameter:Parameter").map((p) => p.inputs.name as string));
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

  it("trusts only the prod-preview environment, and no other role trusts it", () => {
    const sub = (name: string) =>
      list(doc(name).Statement[0].Condition?.StringEquals?.["token.actions.githubusercontent.com:sub"]);
    assert.deepEqual(sub("prod-preview-role-trust.json"), ["repo:OWNER/REPO:environment:prod-preview"]);
    assert.deepEqual(sub("prod-deploy-role-trust.json"), ["repo:OWNER/REPO:environment:prod"]);
    assert.ok(!sub("dev-deploy-role-trust.json").some((s) => s.includes("prod")));
    const workflow = readFileSync(join(import.meta.dirname, "../../.github/workflows/pull-request.yml"), "utf8");
    assert.match(workflow, /- stack: prod\n {12}environment: prod-preview\n {12}role: AWS_PROD_PREVIEW_ROLE_ARN/);
    assert.match(workflow, /environment:\n {6}name: \$\{\{ matrix\.environment \}\}/);
    assert.match(workflow, /role-to-assume: \$\{\{ vars\[matrix\.role\] \}\}/);
    assert.doesNotMatch(workflow, /AWS_PROD_DEPLOY_ROLE_ARN/, "a pull request never gets the prod deploy role");
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

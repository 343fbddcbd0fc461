import assert from "node:assert/strict";
import type { PolicyResource } from "@pulumi/policy";
import { resourcePolicies, stackPolicies } from "../../policy/rules/aws.js";
import { prodWithDomain, type Run, runStack } from "./harness.ts";
import { everyRulePasses, policyResource, ruleViolations, stackRuleViolations } from "./policy-check.ts";

const violations = (rule: string, type: string, props: Record<string, any>) =>
  ruleViolations(resourcePolicies, rule, type, props);
const stackViolations = (rule: string, resources: PolicyResource[]) =>
  stackRuleViolations(stackPolicies, rule, resources);
const res = policyResource;

const configs: [string, () => Promise<Run>][] = [
  ["dev", () => runStack("dev")],
  ["prod", () => runStack("prod")],
  ["prod with a custom domain", () => runStack("prod", prodWithDomain())],
];

describe("policy pack (policy/rules/aws.js)", () => {
  for (const [label, load] of configs) {
    describe(`over every resource of the ${label} stack`, () => {
      const stack = everyRulePasses(load, resourcePolicies, stackPolicies);

      it("sees the resources the rules are about (the checks are not vacuous)", () => {
        const types = new Set(stack.resources.map((r) => r.type));
        for (const t of [
          "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          "aws:s3/bucketPolicy:BucketPolicy",
          "aws:ssm/parameter:Parameter",
          "aws:cloudwatch/logGroup:LogGroup",
          "aws:iam/rolePolicy:RolePolicy",
          "aws:ecs/taskDefinition:TaskDefinition",
          "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
          "aws:lb/listener:Listener",
          "aws:ecs/service:Service",
        ]) {
          assert.equal(types.has(t), true, t);
        }
        const service = stack.resources.find((r) => r.type === "aws:ecs/service:Service")!;
        assert.deepEqual(
          service.propertyDependencies.networkConfiguration
            .filter((d) => d.type === "aws:ec2/securityGroup:SecurityGroup")
            .map((d) => d.name),
          ["estat-mcp-svc-sg"],
        );
      });
    });
  }

  describe("each rule fails on a bad resource", () => {
    it("s3-no-public-access: a public access block left open, a public ACL", () => {
      assert.deepEqual(
        violations("s3-no-public-access", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", {
          blockPublicAcls: true,
          blockPublicPolicy: false,
          ignorePublicAcls: true,
        }),
        ["Public access block must enable blockPublicPolicy, restrictPublicBuckets."],
      );
      assert.deepEqual(
        violations("s3-no-public-access", "aws:s3/bucketAcl:BucketAcl", { acl: "public-read" }),
        ["ACL public-read makes the bucket public."],
      );
    });

    it("s3-encryption-at-rest: no algorithm", () => {
      assert.equal(
        violations(
          "s3-encryption-at-rest",
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          { rules: [{ applyServerSideEncryptionByDefault: {} }] },
        ).length,
        1,
      );
    });

    it("s3-tls-only: a policy without the SecureTransport deny", () => {
      const policy = JSON.stringify({
        Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject" }],
      });
      assert.equal(violations("s3-tls-only", "aws:s3/bucketPolicy:BucketPolicy", { policy }).length, 1);
    });

    it("ssm-secure-string: a plain String parameter", () => {
      assert.deepEqual(violations("ssm-secure-string", "aws:ssm/parameter:Parameter", { type: "String" }), [
        "Parameter type is String; secrets must be SecureString.",
      ]);
    });

    it("log-retention-set: a log group kept forever", () => {
      assert.equal(
        violations("log-retention-set", "aws:cloudwatch/logGroup:LogGroup", { name: "x" }).length,
        1,
      );
    });

    it("iam-no-wildcard-actions: `*`, `s3:*` and NotAction", () => {
      const policy = JSON.stringify({
        Statement: [
          { Effect: "Allow", Action: "*", Resource: "*" },
          { Effect: "Allow", Action: ["s3:*"], Resource: "*" },
          { Effect: "Allow", NotAction: "iam:*", Resource: "*" },
          { Effect: "Deny", Action: "*", Resource: "*" },
        ],
      });
      assert.deepEqual(violations("iam-no-wildcard-actions", "aws:iam/rolePolicy:RolePolicy", { policy }), [
        "Wildcard actions allowed: *, s3:*, NotAction.",
      ]);
      assert.deepEqual(
        violations("iam-no-wildcard-actions", "aws:iam/role:Role", {
          managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
        }),
        ["Role attaches an administrator or full-access managed policy."],
      );
    });

    it("ecs-task-non-root-read-only: root, writable, privileged", () => {
      const containerDefinitions = JSON.stringify([
        { name: "a", user: "root" },
        { name: "b", user: "0:0", readonlyRootFilesystem: true, privileged: true },
        { name: "c", readonlyRootFilesystem: true },
      ]);
      assert.deepEqual(
        violations("ecs-task-non-root-read-only", "aws:ecs/taskDefinition:TaskDefinition", {
          containerDefinitions,
        }),
        [
          'Container a runs as root (user "root").',
          "Container a has a writable root filesystem.",
          'Container b runs as root (user "0:0").',
          "Container b is privileged.",
          'Container c runs as root (user "").',
        ],
      );
    });

    it("sg-no-wide-open-ingress: all traffic, SSH, the container port from anywhere", () => {
      const rule = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
      assert.deepEqual(
        violations("sg-no-wide-open-ingress", rule, { cidrIpv4: "0.0.0.0/0", ipProtocol: "-1" }),
        ["Security group ingress: all traffic is open to the internet."],
      );
      assert.deepEqual(
        violations("sg-no-wide-open-ingress", rule, {
          cidrIpv6: "::/0",
          ipProtocol: "tcp",
          fromPort: 22,
          toPort: 22,
        }),
        ["Security group ingress: ports 22-22 are open to the internet."],
      );
      assert.equal(
        violations("sg-no-wide-open-ingress", "aws:ec2/securityGroup:SecurityGroup", {
          ingress: [{ protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["0.0.0.0/0"] }],
        }).length,
        1,
      );
      assert.equal(
        violations("sg-no-wide-open-ingress", "aws:ec2/securityGroupRule:SecurityGroupRule", {
          type: "ingress",
          protocol: "tcp",
          fromPort: 0,
          toPort: 65535,
          cidrBlocks: ["0.0.0.0/0"],
        }).length,
        1,
      );
      assert.deepEqual(
        violations("sg-no-wide-open-ingress", rule, {
          cidrIpv4: "0.0.0.0/0",
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
        }),
        [],
      );
    });

    it("cloudfront-https-only: allow-all and redirect-to-https", () => {
      assert.equal(
        violations("cloudfront-https-only", "aws:cloudfront/distribution:Distribution", {
          defaultCacheBehavior: { viewerProtocolPolicy: "allow-all" },
          orderedCacheBehaviors: [{ viewerProtocolPolicy: "redirect-to-https" }],
        }).length,
        2,
      );
    });

    it("alb-https-only: plain HTTP forwarding on an internet-facing ALB, an old TLS policy", () => {
      const lb = res("aws:lb/loadBalancer:LoadBalancer", "public-alb", { internal: false });
      const forward = res(
        "aws:lb/listener:Listener",
        "http",
        { protocol: "HTTP", port: 80, defaultActions: [{ type: "forward" }] },
        { loadBalancerArn: [lb] },
      );
      const oldTls = res(
        "aws:lb/listener:Listener",
        "https",
        { protocol: "HTTPS", port: 443, sslPolicy: "ELBSecurityPolicy-2016-08" },
        { loadBalancerArn: [lb] },
      );
      const found = stackViolations("alb-https-only", [lb, forward, oldTls]);
      assert.equal(found.length, 2);
      assert.match(found[0], /Listener http serves plain HTTP on an internet-facing load balancer/);
      assert.match(found[1], /Listener https uses TLS policy ELBSecurityPolicy-2016-08/);
      const internal = res("aws:lb/loadBalancer:LoadBalancer", "internal-alb", { internal: true });
      const behindCdn = res(
        "aws:lb/listener:Listener",
        "origin",
        { protocol: "HTTP" },
        { loadBalancerArn: [internal] },
      );
      assert.deepEqual(stackViolations("alb-https-only", [internal, behindCdn]), []);
    });

    it("task-ingress-from-load-balancer-only: tasks open to a CIDR or to another group", () => {
      const lbSg = res("aws:ec2/securityGroup:SecurityGroup", "lb-sg", {});
      const otherSg = res("aws:ec2/securityGroup:SecurityGroup", "bastion-sg", {});
      const taskSg = res("aws:ec2/securityGroup:SecurityGroup", "task-sg", {});
      const lb = res("aws:lb/loadBalancer:LoadBalancer", "alb", {}, { securityGroups: [lbSg] });
      const service = res(
        "aws:ecs/service:Service",
        "svc",
        { networkConfiguration: { assignPublicIp: true }, loadBalancers: [{}] },
        { networkConfiguration: [taskSg] },
      );
      const fromCidr = res(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "from-vpc",
        { cidrIpv4: "10.0.0.0/16", fromPort: 8080, toPort: 8080 },
        { securityGroupId: [taskSg] },
      );
      const fromOther = res(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "from-bastion",
        {},
        { securityGroupId: [taskSg], referencedSecurityGroupId: [otherSg] },
      );
      const fromLb = res(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "from-lb",
        {},
        { securityGroupId: [taskSg], referencedSecurityGroupId: [lbSg] },
      );
      assert.deepEqual(
        stackViolations("task-ingress-from-load-balancer-only", [
          lbSg,
          otherSg,
          taskSg,
          lb,
          service,
          fromCidr,
          fromOther,
          fromLb,
        ]),
        [
          "Ingress rule from-vpc lets something other than the load balancer reach the tasks.",
          "Ingress rule from-bastion lets something other than the load balancer reach the tasks.",
        ],
      );
    });
  });
});

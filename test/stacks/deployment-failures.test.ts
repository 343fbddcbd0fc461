// One test per way this kind of deployment is known to fail after `pulumi up` reports success.
import assert from "node:assert/strict";
import {
  ALB_IDLE_TIMEOUT_S,
  CLOUDFRONT_ORIGIN_KEEPALIVE_S,
  CLOUDFRONT_ORIGIN_READ_TIMEOUT_S,
  ECS_STOP_TIMEOUT_S,
  ESTAT_TIMEOUT_MS,
  SHUTDOWN_GRACE_MS,
  SSE_KEEPALIVE_S,
  TOOL_TIMEOUT_MS,
} from "../../stacks/shared/timeouts.ts";
import { json, ofType, one, prodWithCloudFrontDomain, prodWithDomain, refusedConfig, type Run, runStack, stackFile } from "./harness.ts";

const env = (run: Run): Record<string, string> => {
  const [c] = json(one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
  return Object.fromEntries(c.environment.map((e: any) => [e.name, e.value]));
};

/** Secret ARNs the task definition references that the execution role cannot read and decrypt. */
function unreadableSecrets(taskDefinition: any, executionPolicy: any): string[] {
  const [c] = json(taskDefinition.containerDefinitions);
  const allows = (action: string, arn: string) =>
    executionPolicy.Statement.some(
      (s: any) =>
        s.Effect === "Allow" &&
        [s.Action].flat().includes(action) &&
        (action !== "ssm:GetParameters"
          ? [s.Condition?.StringEquals?.["kms:EncryptionContext:PARAMETER_ARN"]].flat().includes(arn)
          : [s.Resource].flat().includes(arn)),
    );
  return c.secrets
    .map((s: any) => s.valueFrom)
    .filter((arn: string) => !allows("ssm:GetParameters", arn) || !allows("kms:Decrypt", arn));
}

const stacks: [string, () => Promise<Run>][] = [
  ["dev", () => runStack("dev")],
  ["prod", () => runStack("prod")],
  ["prod with a domain", () => runStack("prod", prodWithDomain())],
  ["prod with a domain on CloudFront", () => runStack("prod", prodWithCloudFrontDomain())],
  [
    "dev on x86_64, port 9090",
    () =>
      runStack("dev", {
        ...stackFile("dev"),
        "estat-mcp:cpuArchitecture": "X86_64",
        "estat-mcp:containerPort": "9090",
      }),
  ],
];

describe("known deployment failures", () => {
  for (const [label, load] of stacks) {
    describe(label, () => {
      let run: Run;
      before(async () => {
        run = await load();
        assert.deepEqual(run.errors, []);
      });

      it("tasks can read their secrets: ssm:GetParameters and kms:Decrypt on every referenced parameter (else ResourceInitializationError)", () => {
        const td = one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs;
        const policy = json(one(run, "aws:iam/rolePolicy:RolePolicy", "-execution").inputs.policy);
        assert.equal(json(td.containerDefinitions)[0].secrets.length, 2);
        assert.deepEqual(unreadableSecrets(td, policy), []);
        // The check itself catches the failure: drop the SSM statement and both secrets become unreadable.
        const broken = {
          Statement: policy.Statement.filter((s: any) => !s.Action.includes("ssm:GetParameters")),
        };
        assert.equal(unreadableSecrets(td, broken).length, 2);
      });

      it("one port end to end: PORT, container port, target group, service mapping, task ingress (else targets never healthy)", () => {
        const port = Number(env(run).PORT);
        const [c] = json(one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
        const ingress = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").find(
          (r) => r.inputs.securityGroupId === "sg-estat-mcp-svc-sg",
        )!;
        const lbEgress = ofType(run, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").find(
          (r) => r.inputs.securityGroupId === "sg-estat-mcp-lb-sg",
        )!;
        assert.deepEqual(
          [
            c.portMappings[0].containerPort,
            one(run, "aws:lb/targetGroup:TargetGroup").inputs.port,
            one(run, "aws:ecs/service:Service").inputs.loadBalancers[0].containerPort,
            ingress.inputs.fromPort,
            ingress.inputs.toPort,
            lbEgress.inputs.fromPort,
          ],
          Array(6).fill(port),
        );
        assert.equal(port, label.includes("9090") ? 9090 : 8080);
      });

      it("no security group is wide open: only an internet-facing ALB takes 0.0.0.0/0, on 80/443", () => {
        const open = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
          (r) => r.inputs.cidrIpv4 === "0.0.0.0/0" || r.inputs.cidrIpv6 === "::/0",
        );
        const internetFacing = one(run, "aws:lb/loadBalancer:LoadBalancer").inputs.internal === false;
        assert.deepEqual(
          open.map((r) => [r.inputs.securityGroupId, r.inputs.fromPort]),
          internetFacing
            ? [
                ["sg-estat-mcp-lb-sg", 443],
                ["sg-estat-mcp-lb-sg", 80],
              ]
            : [],
        );
        const taskIngress = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
          (r) => r.inputs.securityGroupId === "sg-estat-mcp-svc-sg",
        );
        assert.deepEqual(
          taskIngress.map((r) => r.inputs.referencedSecurityGroupId),
          ["sg-estat-mcp-lb-sg"],
        );
      });

      it("no hop cuts a 60-second e-Stat call, and the ALB closes idle connections before the server does", () => {
        const idle = one(run, "aws:lb/loadBalancer:LoadBalancer").inputs.idleTimeout;
        assert.equal(idle, ALB_IDLE_TIMEOUT_S);
        assert.ok(
          idle * 1000 > ESTAT_TIMEOUT_MS,
          "a silent call until its JSON result fits in the ALB idle timeout",
        );
        assert.ok(
          Number(env(run).HTTP_KEEP_ALIVE_TIMEOUT_MS) > idle * 1000,
          "server keep-alive > ALB idle timeout",
        );
        assert.equal(Number(env(run).ESTAT_TIMEOUT_MS), ESTAT_TIMEOUT_MS);
        for (const d of ofType(run, "aws:cloudfront/distribution:Distribution")) {
          const o = d.inputs.origins[0].vpcOriginConfig;
          // Issue 8: a plain JSON /execute answer after the read timeout becomes CloudFront's own 504.
          assert.ok(
            Number(env(run).EXECUTE_TIMEOUT_MS) < o.originReadTimeout * 1000,
            "/execute answers before CloudFront gives up on the origin",
          );
          assert.equal(o.originReadTimeout, CLOUDFRONT_ORIGIN_READ_TIMEOUT_S);
          assert.ok(o.originReadTimeout > SSE_KEEPALIVE_S, "SSE keepalives arrive within the read timeout");
          assert.ok(
            o.originKeepaliveTimeout < idle,
            "CloudFront drops idle origin connections before the ALB",
          );
          assert.equal(o.originKeepaliveTimeout, CLOUDFRONT_ORIGIN_KEEPALIVE_S);
        }
      });

      it("deregistration is short (not the 300 s default) yet drains a full call; the server exits before SIGKILL", () => {
        const delay = one(run, "aws:lb/targetGroup:TargetGroup").inputs.deregistrationDelay;
        assert.equal(delay, 105);
        assert.ok(delay < 300);
        assert.ok(delay * 1000 + SHUTDOWN_GRACE_MS >= ESTAT_TIMEOUT_MS);
        const [c] = json(one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
        assert.equal(c.stopTimeout, ECS_STOP_TIMEOUT_S);
        assert.ok(Number(env(run).SHUTDOWN_GRACE_MS) < c.stopTimeout * 1000);
      });

      it("no drain cuts a call the tool deadline allows: deployments and scale-in (deregistration), Spot reclaim (SIGTERM with calls running)", () => {
        // Issue 8: deregistration 40 s + grace 25 s cut 120 s calls.
        const delay = one(run, "aws:lb/targetGroup:TargetGroup").inputs.deregistrationDelay;
        const [c] = json(one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
        const tool = Number(env(run).TOOL_TIMEOUT_MS);
        const grace = Number(env(run).SHUTDOWN_GRACE_MS);
        assert.equal(tool, TOOL_TIMEOUT_MS);
        assert.ok(delay * 1000 > tool, `deregistration ${delay} s outlasts a ${tool} ms call`);
        assert.ok(grace > tool, `grace ${grace} ms outlasts a ${tool} ms call`);
        assert.ok(c.stopTimeout * 1000 > grace && c.stopTimeout <= 120, "SIGKILL after the grace, within Fargate's 120 s");
      });

      it("the image is built for the task's CPU architecture (else exec format error)", () => {
        const platform = one(run, "awsx:ecr:Image").inputs.platform;
        const arch = one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs.runtimePlatform.cpuArchitecture;
        assert.deepEqual(
          [platform, arch],
          label.includes("x86_64") ? ["linux/amd64", "X86_64"] : ["linux/arm64", "ARM64"],
        );
      });

      it("a service has a launch type or a capacity provider strategy, never both (else InvalidParameterException), and a strategy names only providers the cluster has, associated before the service starts", () => {
        const s = one(run, "aws:ecs/service:Service");
        const strategy: any[] | undefined = s.inputs.capacityProviderStrategies;
        assert.equal((s.inputs.launchType === undefined) !== (strategy === undefined), true);
        const association = ofType(run, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders");
        if (!strategy) {
          assert.equal(s.inputs.launchType, "FARGATE");
          assert.equal(association.length, 0);
          return;
        }
        assert.equal(association.length, 1);
        const [cp] = association;
        assert.equal(cp.inputs.clusterName, one(run, "aws:ecs/cluster:Cluster").state.name);
        for (const item of strategy) assert.ok(cp.inputs.capacityProviders.includes(item.capacityProvider));
        assert.ok(s.started > cp.finished, "the service must wait for the association (dependsOn)");
        // Changing the strategy of a running service needs a new deployment.
        assert.equal(s.inputs.forceNewDeployment, true);
      });

      it("tasks have a route to ECR: a public IP in public subnets, or private subnets behind NAT", () => {
        const net = one(run, "aws:ecs/service:Service").inputs.networkConfiguration;
        const vpc = one(run, "awsx:ec2:Vpc").inputs;
        if (net.assignPublicIp) {
          assert.deepEqual(net.subnets, ["subnet-public-a", "subnet-public-c"]);
        } else {
          assert.deepEqual(net.subnets, ["subnet-private-a", "subnet-private-c"]);
          assert.notEqual(vpc.natGateways.strategy, "None");
          assert.deepEqual(
            vpc.subnetSpecs.map((s: any) => s.type),
            ["Public", "Private"],
          );
        }
        // The task security group lets the pull out.
        const egress = ofType(run, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").find(
          (r) => r.inputs.securityGroupId === "sg-estat-mcp-svc-sg",
        )!;
        assert.deepEqual([egress.inputs.cidrIpv4, egress.inputs.fromPort], ["0.0.0.0/0", 443]);
      });
    });
  }

  it("tasks in private subnets without NAT are refused at preview", async () => {
    const message = await refusedConfig("dev", { "estat-mcp:taskSubnets": "private" });
    assert.match(
      message,
      /estat-mcp:taskSubnets: tasks in private subnets need a NAT gateway to pull from ECR/,
    );
  });
});

import assert from "node:assert/strict";
import { retentionOptions } from "../../stacks/bucket.ts";
import { json, ofType, one, type Run, runStack, stackFile } from "./harness.ts";

const USER_KEYS = "prodKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,prodKeyBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
const secrets = { "estat-mcp:estatAppId": "prod-app-id", "estat-mcp:apiKeys": USER_KEYS };

describe("aws-fargate target, prod stack (Pulumi.prod.yaml)", () => {
  let run: Run;
  before(async () => {
    run = await runStack("prod", stackFile("prod"), secrets);
    assert.deepEqual(run.errors, []);
  });

  it("adds WAF, an access-log bucket and no random key to dev's graph", () => {
    assert.equal(ofType(run, "aws:wafv2/webAcl:WebAcl").length, 1);
    assert.equal(ofType(run, "aws:wafv2/webAclAssociation:WebAclAssociation").length, 0);
    assert.equal(ofType(run, "aws:s3/bucket:Bucket").length, 2);
    assert.equal(ofType(run, "aws:s3/bucketPolicy:BucketPolicy").length, 2);
    assert.equal(ofType(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").length, 2);
    assert.equal(ofType(run, "random:index/randomPassword:RandomPassword").length, 0);
    assert.equal(ofType(run, "aws:cloudfront/distribution:Distribution").length, 1);
    assert.equal(ofType(run, "aws:acm/certificate:Certificate").length, 0);
    assert.equal(ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").length, 8);
  });

  it("puts tasks in private subnets behind one NAT gateway per AZ, without public IPs", () => {
    const vpc = one(run, "awsx:ec2:Vpc").inputs;
    assert.deepEqual(vpc.natGateways, { strategy: "OnePerAz" });
    assert.deepEqual(vpc.subnetSpecs, [
      { type: "Public", cidrMask: 22 },
      { type: "Private", cidrMask: 22 },
    ]);
    const net = one(run, "aws:ecs/service:Service").inputs.networkConfiguration;
    assert.deepEqual(net.subnets, ["subnet-private-a", "subnet-private-c"]);
    assert.equal(net.assignPublicIp, false);
    assert.deepEqual(one(run, "aws:lb/loadBalancer:LoadBalancer").inputs.subnets, [
      "subnet-private-a",
      "subnet-private-c",
    ]);
  });

  it("protects the ALB from deletion and ships its access logs to a private, TLS-only bucket", () => {
    const alb = one(run, "aws:lb/loadBalancer:LoadBalancer").inputs;
    assert.equal(alb.enableDeletionProtection, true);
    assert.deepEqual(alb.accessLogs, { bucket: "estat-mcp-lb-logs", prefix: "alb", enabled: true });
    const policy = json(one(run, "aws:s3/bucketPolicy:BucketPolicy", "lb-logs-policy").inputs.policy);
    assert.deepEqual(policy.Statement[1], {
      Sid: "ElbLogDelivery",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::582318560864:root" },
      Action: "s3:PutObject",
      Resource: "arn:aws:s3:::estat-mcp-lb-logs/alb/AWSLogs/123456789012/*",
    });
    assert.equal(policy.Statement[0].Sid, "DenyInsecureTransport");
    assert.deepEqual(
      one(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lb-logs-lifecycle").inputs
        .rules,
      [{ id: "expire-access-logs", status: "Enabled", filter: {}, expiration: { days: 90 } }],
    );
  });

  it("keeps the lake: no forceDestroy, and the bucket is protected and retained on delete", () => {
    assert.equal(one(run, "aws:s3/bucket:Bucket", "lake-bucket").inputs.forceDestroy, false);
    assert.deepEqual(retentionOptions(true), { protect: true, retainOnDelete: true });
    assert.deepEqual(retentionOptions(false), {});
    assert.equal(one(run, "aws:ecr/repository:Repository").inputs.forceDelete, false);
  });

  it("attaches a CLOUDFRONT web ACL, created in us-east-1, with a per-IP rate rule and AWS common rules", () => {
    const acl = one(run, "aws:wafv2/webAcl:WebAcl");
    assert.equal(acl.inputs.scope, "CLOUDFRONT");
    assert.equal(acl.inputs.region, "us-east-1");
    assert.deepEqual(acl.inputs.defaultAction, { allow: {} });
    assert.deepEqual(
      acl.inputs.rules.map((r: any) => [r.name, r.priority, r.action ?? r.overrideAction, r.statement]),
      [
        [
          "rate-limit-per-ip",
          0,
          { block: {} },
          { rateBasedStatement: { limit: 1000, aggregateKeyType: "IP" } },
        ],
        [
          "aws-common-rules",
          1,
          { none: {} },
          { managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet" } },
        ],
      ],
    );
    assert.equal(one(run, "aws:cloudfront/distribution:Distribution").inputs.webAclId, acl.state.arn);
  });

  it("runs 2 to 6 tasks of 0.5 vCPU / 1 GiB with Container Insights and 90-day logs", () => {
    const td = one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs;
    assert.deepEqual([td.cpu, td.memory], ["512", "1024"]);
    assert.equal(one(run, "aws:ecs/service:Service").inputs.desiredCount, 2);
    const t = one(run, "aws:appautoscaling/target:Target").inputs;
    assert.deepEqual([t.minCapacity, t.maxCapacity], [2, 6]);
    assert.deepEqual(one(run, "aws:ecs/cluster:Cluster").inputs.settings, [
      { name: "containerInsights", value: "enabled" },
    ]);
    assert.equal(one(run, "aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 90);
  });

  it("alarms when running tasks fall below desired (Container Insights metric math)", () => {
    const a = one(run, "aws:cloudwatch/metricAlarm:MetricAlarm", "-running-tasks-low").inputs;
    assert.equal(a.metricName, undefined);
    assert.equal(a.period, undefined);
    assert.deepEqual(
      [a.comparisonOperator, a.threshold, a.treatMissingData],
      ["GreaterThanThreshold", 0, "breaching"],
    );
    assert.deepEqual(
      a.metricQueries.map((q: any) => [q.id, q.metric?.metricName ?? q.expression, q.metric?.stat]),
      [
        ["running", "RunningTaskCount", "Minimum"],
        ["desired", "DesiredTaskCount", "Maximum"],
        ["missing", "desired - running", undefined],
      ],
    );
    const body = json(one(run, "aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody);
    assert.equal(
      body.widgets.some((w: any) => w.properties.title === "Tasks"),
      true,
    );
  });

  it("stores the configured API keys and exports the first one", () => {
    assert.equal(one(run, "aws:ssm/parameter:Parameter", "mcp-api-keys").inputs.value, USER_KEYS);
    assert.equal(
      one(run, "aws:ssm/parameter:Parameter", "estat-app-id").inputs.name,
      "/estat-mcp/prod/estat-app-id",
    );
    assert.equal(run.outputs.apiKey, USER_KEYS.split(",")[0]);
  });
});

describe("aws-fargate target with a custom domain (prod + domainName/hostedZoneId)", () => {
  let run: Run;
  before(async () => {
    run = await runStack(
      "prod",
      {
        ...stackFile("prod"),
        "estat-mcp:domainName": "mcp.example.jp",
        "estat-mcp:hostedZoneId": "Z0123456789ABC",
      },
      secrets,
    );
    assert.deepEqual(run.errors, []);
  });

  it("puts an internet-facing ALB in the public subnets and no CloudFront in front", () => {
    const alb = one(run, "aws:lb/loadBalancer:LoadBalancer").inputs;
    assert.equal(alb.internal, false);
    assert.deepEqual(alb.subnets, ["subnet-public-a", "subnet-public-c"]);
    assert.equal(ofType(run, "aws:cloudfront/distribution:Distribution").length, 0);
    assert.equal(ofType(run, "aws:cloudfront/vpcOrigin:VpcOrigin").length, 0);
  });

  it("validates an ACM certificate by DNS in the hosted zone", () => {
    const cert = one(run, "aws:acm/certificate:Certificate");
    assert.deepEqual([cert.inputs.domainName, cert.inputs.validationMethod], ["mcp.example.jp", "DNS"]);
    const record = one(run, "aws:route53/record:Record", "-cert-validation").inputs;
    assert.deepEqual(
      [record.zoneId, record.name, record.type, record.records],
      [
        "Z0123456789ABC",
        "_a79865eb4cd1a6ab990a45779b4e0b96.mcp.example.jp.",
        "CNAME",
        ["_424c7224e9b0146f9a8808af955727d0.acm-validations.aws."],
      ],
    );
    const alias = one(run, "aws:route53/record:Record", "-alias").inputs;
    assert.deepEqual(alias.aliases, [
      {
        name: "estat-mcp-lb-alb-1234.ap-northeast-1.elb.amazonaws.com",
        zoneId: "Z14GRHDCWA56QT",
        evaluateTargetHealth: true,
      },
    ]);
  });

  it("serves HTTPS with a TLS 1.3/1.2 policy and redirects HTTP to HTTPS with a 301", () => {
    const https = one(run, "aws:lb/listener:Listener", "-https").inputs;
    assert.deepEqual(
      [https.port, https.protocol, https.sslPolicy, https.certificateArn],
      [
        443,
        "HTTPS",
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        one(run, "aws:acm/certificate:Certificate").state.arn,
      ],
    );
    assert.equal(https.defaultActions[0].type, "forward");
    const http = one(run, "aws:lb/listener:Listener", "-http").inputs;
    assert.deepEqual([http.port, http.protocol], [80, "HTTP"]);
    assert.deepEqual(http.defaultActions, [
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ]);
  });

  it("opens the ALB to the internet on 443 and 80 only", () => {
    const rules = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .filter((r) => r.inputs.securityGroupId === "sg-estat-mcp-lb-sg")
      .map((r) => [r.inputs.cidrIpv4, r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort]);
    assert.deepEqual(rules, [
      ["0.0.0.0/0", "tcp", 443, 443],
      ["0.0.0.0/0", "tcp", 80, 80],
    ]);
  });

  it("attaches a REGIONAL web ACL to the ALB", () => {
    const acl = one(run, "aws:wafv2/webAcl:WebAcl");
    assert.deepEqual([acl.inputs.scope, acl.inputs.region], ["REGIONAL", undefined]);
    const assoc = one(run, "aws:wafv2/webAclAssociation:WebAclAssociation").inputs;
    assert.deepEqual(
      [assoc.resourceArn, assoc.webAclArn],
      [one(run, "aws:lb/loadBalancer:LoadBalancer").state.arn, acl.state.arn],
    );
  });

  it("serves the domain: endpoint, health URL and ALLOWED_HOSTS", () => {
    assert.equal(run.outputs.endpoint, "https://mcp.example.jp/mcp");
    assert.equal(run.outputs.healthUrl, "https://mcp.example.jp/healthz");
    const [c] = json(one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
    assert.deepEqual(
      c.environment.find((e: any) => e.name === "ALLOWED_HOSTS"),
      { name: "ALLOWED_HOSTS", value: "mcp.example.jp" },
    );
  });
});

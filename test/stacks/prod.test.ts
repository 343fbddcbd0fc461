import assert from "node:assert/strict";
import { retentionOptions } from "../../stacks/aws/bucket.ts";
import { cleanRun, countByType, json, ofType, one, operatorConfig, prodWithDomain, type Run } from "./harness.ts";
import { ACCESS_LOG_BUCKET, DATA_LAKE, FARGATE, graph, SECRETS } from "./aws-graph.ts";

const USER_KEYS = "prodKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,prodKeyBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
const secrets = { "estat-mcp:estatAppId": "prod-app-id", "estat-mcp:apiKeys": USER_KEYS };

/** Resources every prod shape has, with or without a domain. */
const PROD_COMMON = graph(FARGATE, DATA_LAKE, SECRETS, ACCESS_LOG_BUCKET, {
  "aws:cloudwatch/dashboard:Dashboard": 1,
  "aws:wafv2/webAcl:WebAcl": 1,
  "estat-mcp:aws:Waf": 1,
});

describe("aws-fargate target, prod stack (Pulumi.prod.yaml)", () => {
  let run: Run;
  before(async () => (run = await cleanRun("prod", operatorConfig("prod"), secrets)));

  it("creates dev's graph plus WAF and an access-log bucket, without a generated key", () => {
    assert.deepEqual(
      countByType(run),
      graph(PROD_COMMON, {
        "aws:cloudfront/distribution:Distribution": 1,
        "aws:cloudfront/vpcOrigin:VpcOrigin": 1,
        "aws:lb/listener:Listener": 1,
        "aws:sns/topicSubscription:TopicSubscription": 1,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 2,
        "estat-mcp:aws:Cdn": 1,
      }),
    );
  });

  it("puts tasks in private subnets behind one NAT gateway per AZ, without public IPs", () => {
    const vpc = one(run, "awsx:ec2:Vpc").inputs;
    assert.deepEqual(vpc.natGateways, { strategy: "OnePerAz" });
    assert.deepEqual(vpc.subnetSpecs, [
      { type: "Public", cidrMask: 22 },
      { type: "Private", cidrMask: 22 },
    ]);
    // S3 (the lake, and ECR's image layers) through the free gateway endpoint, not the NAT gateways.
    assert.deepEqual(vpc.vpcEndpointSpecs, [
      { serviceName: "com.amazonaws.ap-northeast-1.s3", vpcEndpointType: "Gateway" },
    ]);
    assert.equal(vpc.vpcEndpointStrategy, "Auto", "Legacy would put the endpoint in no route table");
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

  it("stays on-demand (FARGATE launch type, no Spot strategy) and keeps its dashboard", () => {
    const s = one(run, "aws:ecs/service:Service").inputs;
    assert.deepEqual(
      [s.launchType, s.capacityProviderStrategies, s.forceNewDeployment, s.platformVersion],
      ["FARGATE", undefined, undefined, "LATEST"],
    );
    assert.equal(ofType(run, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").length, 0);
    assert.equal(one(run, "aws:cloudwatch/dashboard:Dashboard").inputs.dashboardName, "estat-mcp-prod");
    assert.equal(
      run.outputs.dashboardUrl,
      "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#dashboards/dashboard/estat-mcp-prod",
    );
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

  it("e-mails its alarms to the operator's address", () => {
    const sub = one(run, "aws:sns/topicSubscription:TopicSubscription").inputs;
    assert.deepEqual(
      [sub.topic, sub.protocol, sub.endpoint],
      [one(run, "aws:sns/topic:Topic").state.arn, "email", "ops@example.jp"],
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
  before(async () => (run = await cleanRun("prod", prodWithDomain(), secrets)));

  it("swaps CloudFront for ACM, two listeners, DNS records and a WAF association; e-mails alarms", () => {
    assert.deepEqual(
      countByType(run),
      graph(PROD_COMMON, {
        "aws:acm/certificate:Certificate": 1,
        "aws:acm/certificateValidation:CertificateValidation": 1,
        "aws:lb/listener:Listener": 2,
        "aws:route53/record:Record": 2,
        "aws:sns/topicSubscription:TopicSubscription": 1,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 3,
        "aws:wafv2/webAclAssociation:WebAclAssociation": 1,
      }),
    );
    const sub = one(run, "aws:sns/topicSubscription:TopicSubscription").inputs;
    assert.deepEqual(
      [sub.topic, sub.protocol, sub.endpoint],
      [one(run, "aws:sns/topic:Topic").state.arn, "email", "ops@example.jp"],
    );
  });

  it("puts an internet-facing ALB in the public subnets and no CloudFront in front", () => {
    const alb = one(run, "aws:lb/loadBalancer:LoadBalancer").inputs;
    assert.equal(alb.internal, false);
    assert.deepEqual(alb.subnets, ["subnet-public-a", "subnet-public-c"]);
    assert.equal(ofType(run, "aws:cloudfront/distribution:Distribution").length, 0);
    assert.equal(ofType(run, "aws:cloudfront/vpcOrigin:VpcOrigin").length, 0);
  });

  it("replaces the certificate create-before-delete (ACM refuses to delete one a listener uses)", () => {
    const cert = one(run, "aws:acm/certificate:Certificate");
    assert.equal(cert.options.deleteBeforeReplace, false);
    assert.match(cert.options.parent, /estat-mcp:aws:LoadBalancer::estat-mcp-lb$/);
    // Same domain, same validation CNAME: the record goes first so the new one is not deleted with it.
    assert.equal(one(run, "aws:route53/record:Record", "-cert-validation").options.deleteBeforeReplace, true);
    assert.equal(one(run, "aws:route53/record:Record", "-alias").options.deleteBeforeReplace, false);
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
    // Only the ALB is in front: one hop of X-Forwarded-For is trusted.
    assert.deepEqual(
      c.environment.find((e: any) => e.name === "TRUSTED_PROXY_HOPS"),
      { name: "TRUSTED_PROXY_HOPS", value: "1" },
    );
  });
});

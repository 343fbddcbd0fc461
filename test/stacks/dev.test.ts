import assert from "node:assert/strict";
import { clientConfigs } from "../../stacks/shared/client-configs.ts";
import { APP_ID, cleanRun, countByType, json, ofType, one, type Run, stackFile } from "./harness.ts";
import { DATA_LAKE, FARGATE, GENERATED_KEY as GENERATED_KEY_RESOURCE, graph, SECRETS } from "./aws-graph.ts";

const ARN = "arn:aws:ssm:ap-northeast-1:123456789012:parameter/estat-mcp/dev";
const LB_SG = "sg-estat-mcp-lb-sg";
const TASK_SG = "sg-estat-mcp-svc-sg";
const GENERATED_KEY = "GeneratedKey0123456789abcdefghijklmnopqrstuvwxyz";
const HOST = "d111111abcdef8.cloudfront.net";

describe("aws-fargate target, dev stack (Pulumi.dev.yaml)", () => {
  let run: Run;
  before(async () => (run = await cleanRun("dev")));

  it("creates exactly this resource graph", () => {
    assert.deepEqual(
      countByType(run),
      graph(FARGATE, DATA_LAKE, SECRETS, GENERATED_KEY_RESOURCE, {
        "aws:cloudfront/distribution:Distribution": 1,
        "aws:cloudfront/vpcOrigin:VpcOrigin": 1,
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": 1,
        "aws:lb/listener:Listener": 1,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 2,
        "estat-mcp:aws:Cdn": 1,
      }),
    );
  });

  describe("network", () => {
    it("spans two AZs with public and isolated subnets and no NAT gateway", () => {
      const vpc = one(run, "awsx:ec2:Vpc");
      assert.equal(vpc.inputs.numberOfAvailabilityZones, 2);
      assert.deepEqual(vpc.inputs.natGateways, { strategy: "None" });
      assert.deepEqual(vpc.inputs.subnetSpecs, [
        { type: "Public", cidrMask: 22 },
        { type: "Isolated", cidrMask: 22 },
      ]);
      // Tasks reach S3 through the internet gateway (free): no endpoint to pay attention to.
      assert.equal(vpc.inputs.vpcEndpointSpecs, undefined);
    });
  });

  describe("load balancer", () => {
    it("is internal, in the isolated subnets, with a 120 s idle timeout and invalid headers dropped", () => {
      const alb = one(run, "aws:lb/loadBalancer:LoadBalancer");
      assert.equal(alb.inputs.internal, true);
      assert.equal(alb.inputs.loadBalancerType, "application");
      assert.deepEqual(alb.inputs.subnets, ["subnet-isolated-a", "subnet-isolated-c"]);
      assert.deepEqual(alb.inputs.securityGroups, [LB_SG]);
      assert.equal(alb.inputs.idleTimeout, 120);
      assert.equal(alb.inputs.dropInvalidHeaderFields, true);
      assert.equal(alb.inputs.enableDeletionProtection, false);
      assert.equal(alb.inputs.accessLogs, undefined);
    });

    it("accepts only CloudFront's origin-facing prefix list, on port 80", () => {
      const rules = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
        (r) => r.inputs.securityGroupId === LB_SG,
      );
      assert.equal(rules.length, 1);
      const { securityGroupId, prefixListId, ipProtocol, fromPort, toPort, cidrIpv4, cidrIpv6 } =
        rules[0].inputs;
      assert.deepEqual(
        { securityGroupId, prefixListId, ipProtocol, fromPort, toPort, cidrIpv4, cidrIpv6 },
        {
          securityGroupId: LB_SG,
          prefixListId: "pl-58a04531",
          ipProtocol: "tcp",
          fromPort: 80,
          toPort: 80,
          cidrIpv4: undefined,
          cidrIpv6: undefined,
        },
      );
    });

    it("forwards its one HTTP listener to the target group (CloudFront's VPC origin hop)", () => {
      const l = one(run, "aws:lb/listener:Listener");
      assert.equal(l.inputs.protocol, "HTTP");
      assert.equal(l.inputs.port, 80);
      assert.equal(l.inputs.loadBalancerArn, one(run, "aws:lb/loadBalancer:LoadBalancer").state.arn);
      assert.deepEqual(l.inputs.defaultActions, [
        { type: "forward", targetGroupArn: one(run, "aws:lb/targetGroup:TargetGroup").state.arn },
      ]);
    });

    it("targets IPs on the container port, checks /healthz, and drains for 105 s (a whole 100 s call)", () => {
      const tg = one(run, "aws:lb/targetGroup:TargetGroup");
      assert.equal(tg.inputs.targetType, "ip");
      assert.equal(tg.inputs.port, 8080);
      assert.equal(tg.inputs.protocol, "HTTP");
      assert.equal(tg.inputs.vpcId, "vpc-0a1b2c");
      assert.equal(tg.inputs.deregistrationDelay, 105);
      assert.deepEqual(tg.inputs.healthCheck, {
        path: "/healthz",
        port: "traffic-port",
        protocol: "HTTP",
        matcher: "200",
        interval: 15,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      });
    });
  });

  describe("CloudFront", () => {
    it("reaches the ALB through a VPC origin over HTTP on port 80", () => {
      const origin = one(run, "aws:cloudfront/vpcOrigin:VpcOrigin");
      assert.deepEqual(origin.inputs.vpcOriginEndpointConfig, {
        name: "estat-mcp-cdn-dev",
        arn: one(run, "aws:lb/loadBalancer:LoadBalancer").state.arn,
        httpPort: 80,
        httpsPort: 443,
        originProtocolPolicy: "http-only",
        originSslProtocols: { items: ["TLSv1.2"], quantity: 1 },
      });
    });

    it("serves HTTPS only, caches nothing, forwards every header, with a 60 s origin read timeout", () => {
      const d = one(run, "aws:cloudfront/distribution:Distribution");
      assert.deepEqual(d.inputs.origins, [
        {
          originId: "alb",
          domainName: "internal-estat-mcp-lb-alb-1234.ap-northeast-1.elb.amazonaws.com",
          vpcOriginConfig: {
            vpcOriginId: "estat-mcp-cdn-vpc-origin-id",
            originReadTimeout: 60,
            originKeepaliveTimeout: 60,
          },
        },
      ]);
      const b = d.inputs.defaultCacheBehavior;
      assert.equal(b.viewerProtocolPolicy, "https-only");
      assert.equal(b.cachePolicyId, "4135ea2d-6df8-44a3-9df3-4b5a84be39ad");
      assert.equal(b.originRequestPolicyId, "216adef6-5c7f-47e4-b989-5492eafa07d3");
      assert.deepEqual(b.allowedMethods, ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]);
      assert.equal(b.compress, false);
      assert.deepEqual(d.inputs.viewerCertificate, { cloudfrontDefaultCertificate: true });
      assert.equal(d.inputs.webAclId, undefined, "WAF is switched off in dev");
    });
  });

  describe("ECS service", () => {
    it("lets only the load balancer's security group reach the container port", () => {
      const rules = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
        (r) => r.inputs.securityGroupId === TASK_SG,
      );
      assert.equal(rules.length, 1);
      assert.equal(rules[0].inputs.referencedSecurityGroupId, LB_SG);
      assert.equal(rules[0].inputs.cidrIpv4, undefined);
      assert.deepEqual(
        [rules[0].inputs.ipProtocol, rules[0].inputs.fromPort, rules[0].inputs.toPort],
        ["tcp", 8080, 8080],
      );
    });

    it("opens egress only where needed: tasks to HTTPS, the ALB to the container port", () => {
      const egress = ofType(run, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map((r) => {
        const { securityGroupId, referencedSecurityGroupId, cidrIpv4, ipProtocol, fromPort, toPort } =
          r.inputs;
        return { securityGroupId, referencedSecurityGroupId, cidrIpv4, ipProtocol, fromPort, toPort };
      });
      assert.deepEqual(egress, [
        {
          securityGroupId: LB_SG,
          referencedSecurityGroupId: TASK_SG,
          cidrIpv4: undefined,
          ipProtocol: "tcp",
          fromPort: 8080,
          toPort: 8080,
        },
        {
          securityGroupId: TASK_SG,
          referencedSecurityGroupId: undefined,
          cidrIpv4: "0.0.0.0/0",
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
        },
      ]);
    });

    it("runs one task in the public subnets with a public IP, circuit breaker with rollback", () => {
      const s = one(run, "aws:ecs/service:Service");
      assert.equal(s.inputs.desiredCount, 1);
      assert.deepEqual(s.inputs.networkConfiguration, {
        subnets: ["subnet-public-a", "subnet-public-c"],
        securityGroups: [TASK_SG],
        assignPublicIp: true,
      });
      assert.deepEqual(s.inputs.loadBalancers, [
        {
          targetGroupArn: one(run, "aws:lb/targetGroup:TargetGroup").state.arn,
          containerName: "server",
          containerPort: 8080,
        },
      ]);
      assert.deepEqual(s.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
      assert.equal(s.inputs.healthCheckGracePeriodSeconds, 60);
      assert.equal(s.inputs.waitForSteadyState, true);
    });

    it("runs every task on Fargate Spot: a strategy and no launch type, platform LATEST (1.4.0, needed for ARM64 Spot)", () => {
      const s = one(run, "aws:ecs/service:Service").inputs;
      assert.equal(s.launchType, undefined);
      assert.deepEqual(s.capacityProviderStrategies, [{ capacityProvider: "FARGATE_SPOT", weight: 1, base: 0 }]);
      assert.equal(s.forceNewDeployment, true);
      assert.equal(s.platformVersion, "LATEST");
    });

    it("associates FARGATE and FARGATE_SPOT with the cluster, Spot by default, before the service starts", () => {
      const cp = one(run, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders");
      assert.deepEqual(cp.inputs, {
        clusterName: "estat-mcp-svc-cluster",
        capacityProviders: ["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE_SPOT", weight: 1, base: 0 }],
      });
      assert.equal(one(run, "aws:ecs/service:Service").inputs.cluster, one(run, "aws:ecs/cluster:Cluster").state.arn);
      // ECS refuses a strategy naming a provider the cluster does not have yet.
      assert.ok(
        one(run, "aws:ecs/service:Service").started > cp.finished,
        "the service must dependOn the capacity provider association",
      );
    });

    it("defines a 0.25 vCPU / 512 MiB arm64 task", () => {
      const td = one(run, "aws:ecs/taskDefinition:TaskDefinition");
      assert.equal(td.inputs.cpu, "256");
      assert.equal(td.inputs.memory, "512");
      assert.deepEqual(td.inputs.runtimePlatform, {
        operatingSystemFamily: "LINUX",
        cpuArchitecture: "ARM64",
      });
      assert.deepEqual(td.inputs.requiresCompatibilities, ["FARGATE"]);
      assert.equal(td.inputs.networkMode, "awsvpc");
      assert.deepEqual(td.inputs.volumes, [{ name: "tmp" }]);
    });

    it("runs the container non-root on a read-only root with a writable /tmp, logging to the log group", () => {
      const [c] = json(one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
      assert.equal(c.name, "server");
      assert.equal(c.user, "1000:1000");
      assert.equal(c.readonlyRootFilesystem, true);
      assert.equal(c.image, one(run, "awsx:ecr:Image").state.imageUri);
      assert.deepEqual(c.portMappings, [{ name: "http", containerPort: 8080, protocol: "tcp" }]);
      assert.deepEqual(c.mountPoints, [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }]);
      assert.equal(c.stopTimeout, 120);
      assert.deepEqual(c.logConfiguration, {
        logDriver: "awslogs",
        options: {
          "awslogs-group": "/estat-mcp/dev/server",
          "awslogs-region": "ap-northeast-1",
          "awslogs-stream-prefix": "server",
          mode: "non-blocking",
          "max-buffer-size": "25m",
        },
      });
    });

    it("passes exactly this environment", () => {
      const [c] = json(one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
      assert.deepEqual(c.environment, [
        { name: "ALLOWED_HOSTS", value: HOST },
        { name: "DATA_LAKE", value: "s3://estat-mcp-lake-bucket" },
        { name: "ESTAT_TIMEOUT_MS", value: "60000" },
        { name: "EXECUTE_TIMEOUT_MS", value: "55000" },
        { name: "HOST", value: "0.0.0.0" },
        { name: "HTTP_KEEP_ALIVE_TIMEOUT_MS", value: "125000" },
        { name: "LOG_LEVEL", value: "debug" },
        { name: "MALLOC_MMAP_THRESHOLD_", value: "131072" },
        { name: "NODE_OPTIONS", value: "--max-old-space-size=307 --max-semi-space-size=4" },
        { name: "PORT", value: "8080" },
        { name: "RATE_LIMIT_PER_MINUTE", value: "120" },
        { name: "SHUTDOWN_GRACE_MS", value: "110000" },
        { name: "TOOL_TIMEOUT_MS", value: "100000" },
        { name: "TRUSTED_PROXY_HOPS", value: "2" },
      ]);
    });

    it("takes ESTAT_APP_ID and MCP_API_KEYS from SSM, never in clear", () => {
      const [c] = json(one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
      assert.deepEqual(c.secrets, [
        { name: "ESTAT_APP_ID", valueFrom: `${ARN}/estat-app-id` },
        { name: "MCP_API_KEYS", valueFrom: `${ARN}/mcp-api-keys` },
      ]);
      const text = JSON.stringify(one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs);
      assert.equal(text.includes(APP_ID), false);
      assert.equal(text.includes(GENERATED_KEY), false);
    });

    it("lets the execution role read exactly those parameters, decrypt with their ARNs, pull this repo, log here", () => {
      const policy = json(one(run, "aws:iam/rolePolicy:RolePolicy", "-execution").inputs.policy);
      const repoArn = one(run, "aws:ecr/repository:Repository").state.arn;
      assert.deepEqual(policy.Statement, [
        { Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
        {
          Effect: "Allow",
          Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
          Resource: [repoArn],
        },
        {
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: ["arn:aws:logs:ap-northeast-1:123456789012:log-group:/estat-mcp/dev/server:*"],
        },
        {
          Effect: "Allow",
          Action: ["ssm:GetParameters"],
          Resource: [`${ARN}/estat-app-id`, `${ARN}/mcp-api-keys`],
        },
        {
          Effect: "Allow",
          Action: ["kms:Decrypt"],
          Resource: ["arn:aws:kms:ap-northeast-1:123456789012:key/0c7f3d4b-aws-ssm"],
          Condition: {
            StringEquals: {
              "kms:EncryptionContext:PARAMETER_ARN": [`${ARN}/estat-app-id`, `${ARN}/mcp-api-keys`],
            },
          },
        },
      ]);
      const role = one(run, "aws:iam/role:Role", "-execution");
      assert.equal(one(run, "aws:iam/rolePolicy:RolePolicy", "-execution").inputs.role, role.id);
      assert.equal(one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs.executionRoleArn, role.state.arn);
    });

    it("lets the task role touch the lake bucket and nothing else", () => {
      const policy = json(one(run, "aws:iam/rolePolicy:RolePolicy", "-task").inputs.policy);
      assert.deepEqual(policy.Statement, [
        { Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::estat-mcp-lake-bucket"] },
        {
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
          Resource: ["arn:aws:s3:::estat-mcp-lake-bucket/*"],
        },
      ]);
      assert.equal(
        one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs.taskRoleArn,
        one(run, "aws:iam/role:Role", "-task").state.arn,
      );
    });

    it("assumes roles only as ECS tasks", () => {
      for (const role of ofType(run, "aws:iam/role:Role")) {
        assert.deepEqual(json(role.inputs.assumeRolePolicy).Statement, [
          { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]);
      }
    });

    it("keeps logs 14 days and leaves Container Insights off (cost)", () => {
      assert.equal(one(run, "aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 14);
      assert.deepEqual(one(run, "aws:ecs/cluster:Cluster").inputs.settings, [
        { name: "containerInsights", value: "disabled" },
      ]);
    });

    it("scales between 1 and 2 tasks on CPU and on requests per target", () => {
      const t = one(run, "aws:appautoscaling/target:Target");
      assert.deepEqual(
        [t.inputs.minCapacity, t.inputs.maxCapacity, t.inputs.resourceId, t.inputs.scalableDimension],
        [1, 2, "service/estat-mcp-svc-cluster/estat-mcp-svc-service", "ecs:service:DesiredCount"],
      );
      const policies = ofType(run, "aws:appautoscaling/policy:Policy").map(
        (p) => p.inputs.targetTrackingScalingPolicyConfiguration,
      );
      assert.deepEqual(policies, [
        {
          targetValue: 60,
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
        },
        {
          targetValue: 600,
          predefinedMetricSpecification: {
            predefinedMetricType: "ALBRequestCountPerTarget",
            resourceLabel:
              "app/estat-mcp-lb-alb/50dc6c495c0c9188/targetgroup/estat-mcp-lb-tg/73e2d6bc24d8a067",
          },
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
        },
      ]);
    });
  });

  describe("data lake", () => {
    it("blocks public access, enforces bucket-owner ownership, encrypts, versions", () => {
      assert.equal(one(run, "aws:s3/bucket:Bucket").inputs.forceDestroy, true);
      const pab = one(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
      assert.deepEqual(
        [
          pab.bucket,
          pab.blockPublicAcls,
          pab.blockPublicPolicy,
          pab.ignorePublicAcls,
          pab.restrictPublicBuckets,
        ],
        ["estat-mcp-lake-bucket-id", true, true, true, true],
      );
      assert.deepEqual(one(run, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule, {
        objectOwnership: "BucketOwnerEnforced",
      });
      assert.deepEqual(
        one(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
          .inputs.rules,
        [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
      );
      assert.deepEqual(one(run, "aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration, {
        status: "Enabled",
      });
    });

    it("denies any request not made over TLS", () => {
      const policy = json(one(run, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy);
      assert.deepEqual(policy.Statement, [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::estat-mcp-lake-bucket", "arn:aws:s3:::estat-mcp-lake-bucket/*"],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]);
    });

    it("moves raw pages to Standard-IA after 30 days, expires old versions after 30 and lone delete markers", () => {
      assert.deepEqual(
        one(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules,
        [
          {
            id: "raw-pages-to-infrequent-access",
            status: "Enabled",
            filter: { prefix: "raw/" },
            transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
          },
          {
            id: "expire-old-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: 30 },
            expiration: { expiredObjectDeleteMarker: true },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      );
    });
  });

  describe("secrets", () => {
    it("stores the appId and a generated API key as SecureString parameters", () => {
      const params = ofType(run, "aws:ssm/parameter:Parameter").map((p) => [
        p.inputs.name,
        p.inputs.type,
        p.inputs.value,
      ]);
      assert.deepEqual(params, [
        ["/estat-mcp/dev/estat-app-id", "SecureString", APP_ID],
        ["/estat-mcp/dev/mcp-api-keys", "SecureString", GENERATED_KEY],
      ]);
      const pw = one(run, "random:index/randomPassword:RandomPassword").inputs;
      assert.deepEqual([pw.length, pw.special], [48, false]);
    });
  });

  describe("image", () => {
    it("scans on push, keeps the last 10 images, and builds the repo's Dockerfile for arm64", () => {
      const repo = one(run, "aws:ecr/repository:Repository").inputs;
      assert.deepEqual(repo.imageScanningConfiguration, { scanOnPush: true });
      assert.equal(repo.forceDelete, true);
      const lifecycle = json(one(run, "aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy);
      assert.deepEqual(lifecycle.rules[0].selection, {
        tagStatus: "any",
        countType: "imageCountMoreThan",
        countNumber: 10,
      });
      assert.deepEqual(lifecycle.rules[0].action, { type: "expire" });
      const image = one(run, "awsx:ecr:Image").inputs;
      assert.deepEqual(
        [image.repositoryUrl, image.context, image.dockerfile, image.platform],
        [
          "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/estat-mcp-image-repo",
          ".",
          "Dockerfile",
          "linux/arm64",
        ],
      );
    });
  });

  describe("monitoring", () => {
    it("raises these alarms, each to the SNS topic on alarm and on recovery", () => {
      const topic = one(run, "aws:sns/topic:Topic").state.arn;
      const alarms = ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm");
      assert.deepEqual(
        alarms.map((a) => [a.name, a.inputs.metricName, a.inputs.comparisonOperator, a.inputs.threshold]),
        [
          ["estat-mcp-mon-alb-5xx", "HTTPCode_ELB_5XX_Count", "GreaterThanOrEqualToThreshold", 5],
          ["estat-mcp-mon-cpu-high", "CPUUtilization", "GreaterThanThreshold", 85],
          ["estat-mcp-mon-estat-errors", "EstatErrors", "GreaterThanOrEqualToThreshold", 10],
          ["estat-mcp-mon-memory-high", "MemoryUtilization", "GreaterThanThreshold", 85],
          ["estat-mcp-mon-p99-latency", "TargetResponseTime", "GreaterThanThreshold", 45],
          ["estat-mcp-mon-running-tasks-low", "HealthyHostCount", "LessThanThreshold", 1],
          ["estat-mcp-mon-target-5xx", "HTTPCode_Target_5XX_Count", "GreaterThanOrEqualToThreshold", 5],
          ["estat-mcp-mon-unhealthy-targets", "UnHealthyHostCount", "GreaterThanOrEqualToThreshold", 1],
        ],
      );
      for (const a of alarms) {
        assert.deepEqual(a.inputs.alarmActions, [topic], a.name);
        assert.deepEqual(a.inputs.okActions, [topic], a.name);
      }
      const byName = (n: string) => one(run, "aws:cloudwatch/metricAlarm:MetricAlarm", `-${n}`).inputs;
      assert.equal(byName("p99-latency").extendedStatistic, "p99");
      assert.deepEqual(byName("unhealthy-targets").dimensions, {
        LoadBalancer: "app/estat-mcp-lb-alb/50dc6c495c0c9188",
        TargetGroup: "targetgroup/estat-mcp-lb-tg/73e2d6bc24d8a067",
      });
      assert.deepEqual(byName("cpu-high").dimensions, {
        ClusterName: "estat-mcp-svc-cluster",
        ServiceName: "estat-mcp-svc-service",
      });
      assert.equal(byName("running-tasks-low").treatMissingData, "breaching");
      assert.equal(byName("running-tasks-low").statistic, "Minimum");
    });

    it("has no e-mail subscription unless alarmEmail is set", () => {
      assert.equal(ofType(run, "aws:sns/topicSubscription:TopicSubscription").length, 0);
    });

    it("counts tool and e-Stat errors from the server's JSON logs", () => {
      const filters = ofType(run, "aws:cloudwatch/logMetricFilter:LogMetricFilter").map((f) => [
        f.inputs.logGroupName,
        f.inputs.pattern,
        f.inputs.metricTransformation,
      ]);
      assert.deepEqual(filters, [
        [
          "/estat-mcp/dev/server",
          '{ $.event = "estat_error" }',
          { name: "EstatErrors", namespace: "EstatMcp/dev", value: "1", unit: "Count" },
        ],
        [
          "/estat-mcp/dev/server",
          '{ $.event = "tool_error" }',
          { name: "ToolErrors", namespace: "EstatMcp/dev", value: "1", unit: "Count" },
        ],
      ]);
    });

    it("has no dashboard (dashboard: false), yet every alarm above still notifies the topic", () => {
      assert.equal(ofType(run, "aws:cloudwatch/dashboard:Dashboard").length, 0);
      assert.equal(ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").length, 8);
    });
  });

  describe("outputs", () => {
    it("exports the endpoint, health URL, bucket, image and log group; no dashboard URL without a dashboard", () => {
      const o = run.outputs;
      assert.equal(o.endpoint, `https://${HOST}/mcp`);
      assert.equal(o.healthUrl, `https://${HOST}/healthz`);
      assert.equal(o.dataLakeBucket, "estat-mcp-lake-bucket");
      assert.equal("dashboardUrl" in o, false);
      assert.equal(o.imageUri, one(run, "awsx:ecr:Image").state.imageUri);
      assert.equal(o.logGroupName, "/estat-mcp/dev/server");
    });

    it("exports the lake's URL and a console link to the server's logs", () => {
      assert.equal(run.outputs.dataLakeUrl, "s3://estat-mcp-lake-bucket");
      assert.equal(
        run.outputs.logsUrl,
        "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#logsV2:log-groups/log-group/$252Festat-mcp$252Fdev$252Fserver",
      );
    });

    it("exports every client's configuration for the endpoint and the key", () => {
      assert.deepEqual(run.outputs.clientConfigs, clientConfigs(`https://${HOST}/mcp`, GENERATED_KEY));
      assert.deepEqual(run.outputs.clientConfigs.vscode, {
        inputs: [{ type: "promptString", id: "estat-mcp-api-key", description: "estat-mcp-cloud API key", password: true }],
        servers: {
          estat: { type: "http", url: `https://${HOST}/mcp`, headers: { "X-API-Key": "${input:estat-mcp-api-key}" } },
        },
      });
      assert.deepEqual(Object.keys(run.outputs.clientConfigs), [
        "claude-code",
        "claude-desktop",
        "cursor",
        "vscode",
        "cline",
        "kiro",
        "windsurf",
        "codex",
        "gemini",
      ]);
    });

    it("exports the generated API key and the client configurations as secrets", () => {
      assert.equal(run.outputs.apiKey, GENERATED_KEY);
      assert.deepEqual(run.outputs.__secret, ["apiKey", "clientConfigs"]);
    });
  });
});

describe("dev switched back to on-demand Fargate with a dashboard (capacityProvider: FARGATE, dashboard: true)", () => {
  let run: Run;
  before(async () => {
    run = await cleanRun("dev", {
      ...stackFile("dev"),
      "estat-mcp:capacityProvider": "FARGATE",
      "estat-mcp:dashboard": "true",
    });
  });

  it("uses the FARGATE launch type, no strategy and no capacity provider association", () => {
    const s = one(run, "aws:ecs/service:Service").inputs;
    assert.equal(s.launchType, "FARGATE");
    assert.equal(s.capacityProviderStrategies, undefined);
    assert.equal(s.forceNewDeployment, undefined);
    assert.equal(s.platformVersion, "LATEST");
    assert.equal(ofType(run, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").length, 0);
  });

  it("draws a dashboard of requests, latency, targets, CPU/memory and errors", () => {
    const body = json(one(run, "aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody);
    assert.deepEqual(
      body.widgets.map((w: any) => w.properties.title),
      [
        "Requests and 5xx",
        "Target response time",
        "Targets",
        "CPU and memory (%)",
        "Tool and e-Stat errors",
      ],
    );
  });

  it("exports the dashboard's URL", () => {
    assert.equal(
      run.outputs.dashboardUrl,
      "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#dashboards/dashboard/estat-mcp-dev",
    );
  });
});

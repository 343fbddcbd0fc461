import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Cdn } from "./cdn.ts";
import { clientConfigs } from "./client-configs.ts";
import type { StackConfig } from "./config.ts";
import { DataLake } from "./data-lake.ts";
import { ContainerImage } from "./image.ts";
import { HEALTH_CHECK_PATH, LoadBalancer } from "./load-balancer.ts";
import { Monitoring } from "./monitoring.ts";
import { Network } from "./network.ts";
import { Secrets } from "./secrets.ts";
import { FargateService } from "./service.ts";
import { ESTAT_TIMEOUT_MS, SERVER_KEEP_ALIVE_TIMEOUT_MS, SHUTDOWN_GRACE_MS } from "./timeouts.ts";
import { Waf } from "./waf.ts";

/** What every target exports (index.ts turns these into stack outputs). */
export interface TargetOutputs {
  endpoint: pulumi.Output<string>;
  healthUrl: pulumi.Output<string>;
  apiKey: pulumi.Output<string>;
  clientConfigs: pulumi.Output<unknown>;
  dataLakeBucket: pulumi.Output<string>;
  /** Absent when the dashboard is switched off (`dashboard: false`). */
  dashboardUrl: pulumi.Output<string> | undefined;
  imageUri: pulumi.Output<string>;
  logGroupName: pulumi.Output<string>;
}

/**
 * The `aws-fargate` target: ECS Fargate tasks behind an ALB; HTTPS from CloudFront (no domain) or from
 * an ACM certificate on the ALB (custom domain).
 */
export function deployAwsFargate(c: StackConfig): TargetOutputs {
  const name = "estat-mcp";
  const lake = new DataLake(`${name}-lake`, { retain: c.retainData });
  const secrets = new Secrets(`${name}-secrets`, {
    prefix: `/${c.project}/${c.stack}`,
    estatAppId: c.estatAppId,
    apiKeys: c.apiKeys,
  });
  const image = new ContainerImage(`${name}-image`, {
    architecture: c.cpuArchitecture,
    keep: c.imageRetention,
    forceDelete: !c.retainData,
  });
  const network = new Network(`${name}-net`, { natGateways: c.natGateways });
  const domain =
    c.domainName && c.hostedZoneId ? { domainName: c.domainName, hostedZoneId: c.hostedZoneId } : undefined;
  const lb = new LoadBalancer(`${name}-lb`, {
    vpcId: network.vpcId,
    subnetIds: domain ? network.publicSubnetIds : network.innerSubnetIds,
    containerPort: c.containerPort,
    domain,
    cloudFrontPrefixListId: domain
      ? undefined
      : aws.ec2.getManagedPrefixListOutput({ name: "com.amazonaws.global.cloudfront.origin-facing" }).id,
    deletionProtection: c.deletionProtection,
    accessLogs: c.albAccessLogs,
  });
  const waf = c.waf
    ? new Waf(`${name}-waf`, {
        scope: domain ? "REGIONAL" : "CLOUDFRONT",
        rateLimitPer5Min: c.wafRateLimitPer5Min,
        associateWith: domain ? lb.alb.arn : undefined,
      })
    : undefined;
  const host = domain
    ? pulumi.output(domain.domainName)
    : new Cdn(`${name}-cdn`, { albArn: lb.alb.arn, albDnsName: lb.alb.dnsName, webAclArn: waf?.webAcl.arn })
        .domainName;
  const service = new FargateService(`${name}-svc`, {
    vpcId: network.vpcId,
    subnetIds: c.taskSubnets === "public" ? network.publicSubnetIds : network.innerSubnetIds,
    assignPublicIp: c.taskSubnets === "public",
    loadBalancer: {
      securityGroupId: lb.securityGroup.id,
      targetGroupArn: lb.targetGroup.arn,
      resourceLabel: pulumi.interpolate`${lb.alb.arnSuffix}/${lb.targetGroup.arnSuffix}`,
      listeners: lb.listeners,
    },
    imageUri: image.imageUri,
    repositoryArn: image.repository.arn,
    architecture: c.cpuArchitecture,
    cpu: c.cpu,
    memory: c.memory,
    containerPort: c.containerPort,
    environment: {
      HOST: "0.0.0.0",
      PORT: String(c.containerPort),
      DATA_LAKE: lake.url,
      ALLOWED_HOSTS: host,
      LOG_LEVEL: c.logLevel,
      RATE_LIMIT_PER_MINUTE: String(c.rateLimitPerMinute),
      // Proxies that append to X-Forwarded-For: the ALB, and CloudFront in front of it without a domain.
      TRUSTED_PROXY_HOPS: c.domainName ? "1" : "2",
      ESTAT_TIMEOUT_MS: String(ESTAT_TIMEOUT_MS),
      SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
      HTTP_KEEP_ALIVE_TIMEOUT_MS: String(SERVER_KEEP_ALIVE_TIMEOUT_MS),
      // V8 sizes its heap from the host's memory, not the task's: under load it grows to ~500 MB and
      // collects lazily (npm run soak), which would kill a 512 MB task. Cap the old space at 60 %. A small
      // young generation and mmap for large allocations keep parsing 10 MB e-Stat pages from ratcheting
      // memory up, so a save's memory follows the page, not the table (npm run bench:lake, "tuned").
      NODE_OPTIONS: `--max-old-space-size=${Math.floor(Number(c.memory) * 0.6)} --max-semi-space-size=4`,
      MALLOC_MMAP_THRESHOLD_: "131072",
    },
    secrets: secrets.refs,
    secretReadStatements: secrets.readStatements(),
    taskStatements: lake.accessStatements(),
    logRetentionDays: c.logRetentionDays,
    containerInsights: c.containerInsights,
    capacityProvider: c.capacityProvider,
    minTasks: c.minTasks,
    maxTasks: c.maxTasks,
    cpuTargetPercent: c.cpuTargetPercent,
    requestsPerTargetPerMinute: c.requestsPerTargetPerMinute,
  });
  const monitoring = new Monitoring(`${name}-mon`, {
    alarmEmail: c.alarmEmail,
    loadBalancerArnSuffix: lb.alb.arnSuffix,
    targetGroupArnSuffix: lb.targetGroup.arnSuffix,
    clusterName: service.cluster.name,
    serviceName: service.service.name,
    logGroupName: service.logGroup.name,
    minTasks: c.minTasks,
    containerInsights: c.containerInsights,
    p99LatencySeconds: c.p99LatencySeconds,
    dashboard: c.dashboard,
  });
  const endpoint = pulumi.interpolate`https://${host}/mcp`;
  return {
    endpoint,
    healthUrl: pulumi.interpolate`https://${host}${HEALTH_CHECK_PATH}`,
    apiKey: secrets.apiKey,
    clientConfigs: pulumi.secret(
      pulumi.all([endpoint, secrets.apiKey]).apply(([e, k]) => clientConfigs(e, k)),
    ),
    dataLakeBucket: lake.bucket.bucket,
    dashboardUrl: monitoring.dashboardUrl,
    imageUri: image.imageUri,
    logGroupName: service.logGroup.name,
  };
}

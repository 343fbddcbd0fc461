import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Cdn } from "../aws/cdn.ts";
import { CognitoAuth } from "../aws/cognito.ts";
import { logsConsoleUrl } from "../aws/console.ts";
import { DataLake } from "../aws/data-lake.ts";
import { ContainerImage } from "../aws/image.ts";
import { Network } from "../aws/network.ts";
import { Secrets } from "../aws/secrets.ts";
import { Waf } from "../aws/waf.ts";
import type { TargetConfig } from "../config.ts";
import { clientConfigs } from "../shared/client-configs.ts";
import { SERVER_SECRETS, serverEnv } from "../shared/server-env.ts";
import { awsFargateTimeouts } from "../shared/timeouts.ts";
import type { TargetOutputs } from "../shared/target-outputs.ts";
import { HEALTH_CHECK_PATH, LoadBalancer } from "./load-balancer.ts";
import { Monitoring } from "./monitoring.ts";
import { FargateService } from "./service.ts";

/**
 * The `aws-fargate` target: ECS Fargate tasks behind an ALB; HTTPS from CloudFront (no domain, or a
 * domain with `domainVia: cloudfront`) or from an ACM certificate on the ALB (a domain, `domainVia: alb`).
 */
export function deployAwsFargate(c: TargetConfig<"aws-fargate">): TargetOutputs {
  const name = "estat-mcp";
  const domain =
    c.domainName && c.hostedZoneId ? { domainName: c.domainName, hostedZoneId: c.hostedZoneId } : undefined;
  // The ALB faces the internet only when it serves the domain itself; otherwise CloudFront is in front.
  const albDomain = c.domainVia === "alb" ? domain : undefined;
  const cloudFront = !albDomain;
  const timeouts = awsFargateTimeouts({ cdn: cloudFront });
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
  const network = new Network(`${name}-net`, { natGateways: c.natGateways, region: c.region });
  const lb = new LoadBalancer(`${name}-lb`, {
    vpcId: network.vpcId,
    subnetIds: albDomain ? network.publicSubnetIds : network.innerSubnetIds,
    containerPort: c.containerPort,
    domain: albDomain,
    cloudFrontPrefixListId: albDomain
      ? undefined
      : aws.ec2.getManagedPrefixListOutput({ name: "com.amazonaws.global.cloudfront.origin-facing" }).id,
    deletionProtection: c.deletionProtection,
    accessLogs: c.albAccessLogs,
    timeouts: timeouts.loadBalancer!,
  });
  const waf = c.waf
    ? new Waf(`${name}-waf`, {
        scope: cloudFront ? "CLOUDFRONT" : "REGIONAL",
        rateLimitPer5Min: c.wafRateLimitPer5Min,
        associateWith: cloudFront ? undefined : lb.alb.arn,
      })
    : undefined;
  const cdn = cloudFront
    ? new Cdn(`${name}-cdn`, {
        albArn: lb.alb.arn,
        albDnsName: lb.alb.dnsName,
        webAclArn: waf?.webAcl.arn,
        timeouts: timeouts.cdn!,
        domain,
      })
    : undefined;
  const host = domain ? pulumi.output(domain.domainName) : cdn!.domainName;
  const endpoint = pulumi.interpolate`https://${host}/mcp`;
  // auth cognito: the server is an OAuth resource server of a pool the stack creates (no API keys:
  // one mode per deployment, docs/oauth.md).
  const cognito =
    c.auth === "cognito"
      ? new CognitoAuth(`${name}-auth`, {
          resource: endpoint,
          domainPrefix: c.cognitoDomainPrefix!,
          mfa: c.cognitoMfa,
          deletionProtection: c.deletionProtection,
          region: aws.getRegionOutput().region,
        })
      : undefined;
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
      ...serverEnv({
        port: c.containerPort,
        lakeUrl: lake.url,
        allowedHosts: host,
        logLevel: c.logLevel,
        rateLimitPerMinute: c.rateLimitPerMinute,
        // Proxies that append to X-Forwarded-For: the ALB, and CloudFront in front of it without a domain.
        trustedProxyHops: cloudFront ? 2 : 1,
        timeouts: timeouts.server,
        memoryMiB: c.memory,
      }),
      ...(cognito ? oauthEnv(cognito, host) : {}),
    },
    secrets: cognito ? secrets.refs.filter((r) => r.name !== SERVER_SECRETS.apiKeys) : secrets.refs,
    secretReadStatements: secrets.readStatements(),
    taskStatements: lake.accessStatements(),
    logRetentionDays: c.logRetentionDays,
    containerInsights: c.containerInsights,
    capacityProvider: c.capacityProvider,
    minTasks: c.minTasks,
    maxTasks: c.maxTasks,
    cpuTargetPercent: c.cpuTargetPercent,
    requestsPerTargetPerMinute: c.requestsPerTargetPerMinute,
    stopTimeoutS: timeouts.stopTimeoutS,
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
  // With Cognito there is no key: the configurations are the keyless ones, and clients sign in.
  const apiKey = cognito
    ? pulumi.secret(pulumi.interpolate`none: this stack signs users in with Cognito at ${cognito.signInDomain}`)
    : secrets.apiKey;
  return {
    endpoint,
    healthUrl: pulumi.interpolate`https://${host}${HEALTH_CHECK_PATH}`,
    apiKey,
    clientConfigs: pulumi.secret(
      cognito
        ? endpoint.apply((e) => clientConfigs(e, undefined))
        : pulumi.all([endpoint, secrets.apiKey]).apply(([e, k]) => clientConfigs(e, k)),
    ),
    ...(cognito ? { signInUrl: cognito.signInDomain } : {}),
    dataLakeUrl: lake.url,
    logsUrl: logsConsoleUrl(service.logGroup.name),
    dashboardUrl: monitoring.dashboardUrl,
    dataLakeBucket: lake.bucket.bucket,
    imageUri: image.imageUri,
    logGroupName: service.logGroup.name,
  };
}

/** The server's OAuth settings for a Cognito pool (server/config-oauth.ts, the Cognito-style mode). */
function oauthEnv(cognito: CognitoAuth, host: pulumi.Output<string>): Record<string, pulumi.Input<string>> {
  return {
    MCP_AUTH: "oauth",
    PUBLIC_BASE_URL: pulumi.interpolate`https://${host}`,
    OAUTH_ISSUER: cognito.issuer,
    OAUTH_CLIENT_IDS: cognito.clientIds,
    OAUTH_SCOPE_PREFIX: cognito.scopePrefix,
  };
}

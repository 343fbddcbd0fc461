import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { secureBucket } from "../aws/bucket.ts";
import { type CustomDomain, dnsValidatedCertificate } from "../aws/certificate.ts";
import type { TimeoutChain } from "../shared/timeouts.ts";

/** The TLS policy of the HTTPS listener: TLS 1.3 and 1.2 with forward-secret ciphers only. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
export const HEALTH_CHECK_PATH = "/healthz";

/** The AWS accounts ELB delivers access logs from, in regions opened before August 2022. */
const ELB_LOG_ACCOUNTS: Record<string, string> = {
  "ap-northeast-1": "582318560864",
  "ap-northeast-3": "383597477331",
  "us-east-1": "127311923021",
  "us-west-2": "797873946194",
  "eu-west-1": "156460612806",
};

export interface LoadBalancerArgs {
  vpcId: pulumi.Input<string>;
  /** Public subnets for an internet-facing ALB (custom domain), inner subnets for an internal one. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  containerPort: number;
  /** With a domain: internet-facing ALB with an ACM certificate. Without: internal ALB behind CloudFront. */
  domain?: CustomDomain;
  /** The CloudFront origin-facing prefix list: the only source an internal ALB accepts. */
  cloudFrontPrefixListId?: pulumi.Input<string>;
  deletionProtection: boolean;
  accessLogs: boolean;
  /** The idle timeout and deregistration delay, from the target's timeout chain. */
  timeouts: NonNullable<TimeoutChain["loadBalancer"]>;
}

/**
 * The Application Load Balancer and what hangs off it: security group, target group, listeners and,
 * with a custom domain, the DNS-validated certificate and the alias record.
 */
export class LoadBalancer extends pulumi.ComponentResource {
  readonly alb: aws.lb.LoadBalancer;
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly targetGroup: aws.lb.TargetGroup;
  readonly listeners: aws.lb.Listener[];
  /** The listener whose readiness means traffic can flow (the service waits for it). */
  readonly trafficListener: aws.lb.Listener;
  readonly internal: boolean;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:aws:LoadBalancer", name, {}, opts);
    if (!args.domain && !args.cloudFrontPrefixListId) {
      throw new Error(
        "LoadBalancer: without `domain` the ALB is internal and needs `cloudFrontPrefixListId`",
      );
    }
    this.internal = !args.domain;
    this.securityGroup = this.createSecurityGroup(name, args);
    const logs = args.accessLogs ? this.createLogBucket(name) : undefined;
    this.alb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: "application",
        internal: this.internal,
        subnets: args.subnetIds,
        securityGroups: [this.securityGroup.id],
        idleTimeout: args.timeouts.idleTimeoutS,
        dropInvalidHeaderFields: true,
        enableDeletionProtection: args.deletionProtection,
        accessLogs: logs ? { bucket: logs.bucket.bucket, prefix: "alb", enabled: true } : undefined,
      },
      { parent: this, dependsOn: logs ? [logs.policy] : [] },
    );
    this.targetGroup = new aws.lb.TargetGroup(
      `${name}-tg`,
      {
        targetType: "ip",
        port: args.containerPort,
        protocol: "HTTP",
        vpcId: args.vpcId,
        deregistrationDelay: args.timeouts.deregistrationDelayS,
        // Long tool calls hold a task: send new requests to the least busy one.
        loadBalancingAlgorithmType: "least_outstanding_requests",
        healthCheck: {
          path: HEALTH_CHECK_PATH,
          port: "traffic-port",
          protocol: "HTTP",
          matcher: "200",
          interval: 15,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
      },
      { parent: this },
    );
    this.listeners = args.domain
      ? this.createHttpsListeners(name, args.domain)
      : [this.createOriginListener(name)];
    this.trafficListener = this.listeners[0];
    this.registerOutputs({ dnsName: this.alb.dnsName });
  }

  private createSecurityGroup(name: string, args: LoadBalancerArgs): aws.ec2.SecurityGroup {
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: "estat-mcp load balancer",
        tags: { "estat-mcp:role": "load-balancer" },
      },
      { parent: this },
    );
    if (args.domain) {
      for (const port of [443, 80]) {
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-in-${port}`,
          {
            securityGroupId: sg.id,
            ipProtocol: "tcp",
            fromPort: port,
            toPort: port,
            cidrIpv4: "0.0.0.0/0",
            description: port === 443 ? "HTTPS from anywhere" : "HTTP, redirected to HTTPS",
          },
          { parent: this },
        );
      }
    } else {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-in-cloudfront`,
        {
          securityGroupId: sg.id,
          ipProtocol: "tcp",
          fromPort: 80,
          toPort: 80,
          prefixListId: args.cloudFrontPrefixListId,
          description: "CloudFront origin-facing servers only",
        },
        { parent: this },
      );
    }
    return sg;
  }

  private createOriginListener(name: string): aws.lb.Listener {
    // Internal ALB reached only through the CloudFront VPC origin: the hop stays inside AWS's network.
    return new aws.lb.Listener(
      `${name}-http`,
      {
        loadBalancerArn: this.alb.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
      },
      { parent: this },
    );
  }

  private createHttpsListeners(name: string, domain: CustomDomain): aws.lb.Listener[] {
    const self = { parent: this };
    const certificateArn = dnsValidatedCertificate(name, domain, this);
    const https = new aws.lb.Listener(
      `${name}-https`,
      {
        loadBalancerArn: this.alb.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: TLS_POLICY,
        certificateArn,
        defaultActions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
      },
      self,
    );
    const http = new aws.lb.Listener(
      `${name}-http`,
      {
        loadBalancerArn: this.alb.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: [
          { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
        ],
      },
      self,
    );
    new aws.route53.Record(
      `${name}-alias`,
      {
        zoneId: domain.hostedZoneId,
        name: domain.domainName,
        type: "A",
        aliases: [{ name: this.alb.dnsName, zoneId: this.alb.zoneId, evaluateTargetHealth: true }],
      },
      self,
    );
    return [https, http];
  }

  private createLogBucket(name: string) {
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const logs = secureBucket(
      `${name}-logs`,
      {
        forceDestroy: false,
        versioning: false,
        extraStatements: (arn) =>
          pulumi.all([arn, region, account]).apply(([bucketArn, r, acct]) => [
            {
              Sid: "ElbLogDelivery",
              Effect: "Allow",
              Principal: ELB_LOG_ACCOUNTS[r]
                ? { AWS: `arn:aws:iam::${ELB_LOG_ACCOUNTS[r]}:root` }
                : { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
              Action: "s3:PutObject",
              Resource: `${bucketArn}/alb/AWSLogs/${acct}/*`,
            },
          ]),
      },
      this,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-logs-lifecycle`,
      {
        bucket: logs.bucket.id,
        rules: [{ id: "expire-access-logs", status: "Enabled", filter: {}, expiration: { days: 90 } }],
      },
      { parent: this },
    );
    return logs;
  }
}

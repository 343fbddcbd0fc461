import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { TimeoutChain } from "../shared/timeouts.ts";
import { type CustomDomain, dnsValidatedCertificate } from "./certificate.ts";

/** AWS managed policies: no caching at all, and every viewer header (API key, MCP headers) forwarded. */
export const CACHING_DISABLED_POLICY_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
export const ALL_VIEWER_ORIGIN_REQUEST_POLICY_ID = "216adef6-5c7f-47e4-b989-5492eafa07d3";

export interface CdnArgs {
  /** The internal ALB CloudFront reaches through a VPC origin. */
  albArn: pulumi.Input<string>;
  albDnsName: pulumi.Input<string>;
  /** A WAF web ACL (scope CLOUDFRONT) to attach. */
  webAclArn?: pulumi.Input<string>;
  /** The origin read and keep-alive timeouts, from the target's timeout chain. */
  timeouts: NonNullable<TimeoutChain["cdn"]>;
  /**
   * Serve a domain of our own: an ACM certificate in us-east-1 on the distribution, TLS 1.2 minimum
   * (the default certificate accepts TLS 1.0 whatever the policy says), and alias records in the zone.
   */
  domain?: CustomDomain;
}

/** The viewer TLS policy with a certificate of our own: TLS 1.2 minimum, forward-secret ciphers. */
export const VIEWER_TLS_POLICY = "TLSv1.2_2021";

/**
 * CloudFront in front of an internal ALB: HTTPS for clients (the default certificate, or a domain of our
 * own with an ACM certificate), and an ALB that nothing but CloudFront can reach (no public address).
 */
export class Cdn extends pulumi.ComponentResource {
  readonly distribution: aws.cloudfront.Distribution;
  readonly domainName: pulumi.Output<string>;

  constructor(name: string, args: CdnArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:aws:Cdn", name, {}, opts);
    const self = { parent: this };
    const origin = new aws.cloudfront.VpcOrigin(
      `${name}-vpc-origin`,
      {
        vpcOriginEndpointConfig: {
          // Unique per account: dev and prod may share one.
          name: `${name}-${pulumi.getStack()}`,
          arn: args.albArn,
          httpPort: 80,
          httpsPort: 443,
          originProtocolPolicy: "http-only",
          originSslProtocols: { items: ["TLSv1.2"], quantity: 1 },
        },
      },
      self,
    );
    this.distribution = new aws.cloudfront.Distribution(
      `${name}-distribution`,
      {
        enabled: true,
        comment: "estat-mcp",
        isIpv6Enabled: true,
        httpVersion: "http2and3",
        // PriceClass_200 includes the edge locations in Japan.
        priceClass: "PriceClass_200",
        origins: [
          {
            originId: "alb",
            domainName: args.albDnsName,
            vpcOriginConfig: {
              vpcOriginId: origin.id,
              originReadTimeout: args.timeouts.originReadTimeoutS,
              originKeepaliveTimeout: args.timeouts.originKeepaliveS,
            },
          },
        ],
        defaultCacheBehavior: {
          targetOriginId: "alb",
          // Not redirect-to-https: a redirect comes after the API key has already crossed in clear.
          viewerProtocolPolicy: "https-only",
          allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
          cachedMethods: ["GET", "HEAD"],
          cachePolicyId: CACHING_DISABLED_POLICY_ID,
          originRequestPolicyId: ALL_VIEWER_ORIGIN_REQUEST_POLICY_ID,
          // Compression would buffer SSE streams.
          compress: false,
        },
        restrictions: { geoRestriction: { restrictionType: "none" } },
        aliases: args.domain ? [args.domain.domainName] : undefined,
        viewerCertificate: args.domain
          ? {
              acmCertificateArn: dnsValidatedCertificate(name, args.domain, this, "us-east-1"),
              sslSupportMethod: "sni-only",
              minimumProtocolVersion: VIEWER_TLS_POLICY,
            }
          : { cloudfrontDefaultCertificate: true },
        webAclId: args.webAclArn,
      },
      self,
    );
    this.domainName = this.distribution.domainName;
    if (args.domain) {
      for (const type of ["A", "AAAA"]) {
        new aws.route53.Record(
          `${name}-alias-${type.toLowerCase()}`,
          {
            zoneId: args.domain.hostedZoneId,
            name: args.domain.domainName,
            type,
            aliases: [
              {
                name: this.distribution.domainName,
                zoneId: this.distribution.hostedZoneId,
                evaluateTargetHealth: false,
              },
            ],
          },
          self,
        );
      }
    }
    this.registerOutputs({ domainName: this.domainName });
  }
}

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface WafArgs {
  /** CLOUDFRONT (created in us-east-1, as AWS requires) or REGIONAL (an ALB with a custom domain). */
  scope: "CLOUDFRONT" | "REGIONAL";
  /** Requests one client IP may make in any 5-minute window: the fleet-wide rate limit. */
  rateLimitPer5Min: number;
  /** A regional resource (the ALB) to attach a REGIONAL web ACL to. */
  associateWith?: pulumi.Input<string>;
}

/** A WAF web ACL: a per-IP rate-based rule and AWS's common managed rules. */
export class Waf extends pulumi.ComponentResource {
  readonly webAcl: aws.wafv2.WebAcl;

  constructor(name: string, args: WafArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:aws:Waf", name, {}, opts);
    if (args.scope === "CLOUDFRONT" && args.associateWith) {
      throw new Error(
        "Waf: a CLOUDFRONT web ACL is attached by the distribution's webAclId, not associateWith",
      );
    }
    const visibility = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    this.webAcl = new aws.wafv2.WebAcl(
      `${name}-acl`,
      {
        scope: args.scope,
        region: args.scope === "CLOUDFRONT" ? "us-east-1" : undefined,
        defaultAction: { allow: {} },
        visibilityConfig: visibility(`${name}-acl`),
        rules: [
          {
            name: "rate-limit-per-ip",
            priority: 0,
            action: { block: {} },
            statement: { rateBasedStatement: { limit: args.rateLimitPer5Min, aggregateKeyType: "IP" } },
            visibilityConfig: visibility(`${name}-rate-limit`),
          },
          {
            name: "aws-common-rules",
            priority: 1,
            overrideAction: { none: {} },
            statement: {
              managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet" },
            },
            visibilityConfig: visibility(`${name}-common`),
          },
        ],
      },
      { parent: this },
    );
    if (args.associateWith) {
      new aws.wafv2.WebAclAssociation(
        `${name}-association`,
        { resourceArn: args.associateWith, webAclArn: this.webAcl.arn },
        { parent: this },
      );
    }
    this.registerOutputs({ webAclArn: this.webAcl.arn });
  }
}

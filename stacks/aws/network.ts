import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";

export type NatGateways = "none" | "single" | "perAz";

export interface NetworkArgs {
  /** `none` (dev): no NAT; the inner subnets are isolated and tasks run in public subnets. */
  natGateways: NatGateways;
  cidrBlock?: string;
  /**
   * With NAT gateways, the region for a free S3 gateway endpoint: S3 traffic (the lake, and ECR's image
   * layers, which ECR serves from S3) then skips the NAT gateway's per-GB charge.
   */
  region?: string;
}

const NAT_STRATEGY = { none: "None", single: "Single", perAz: "OnePerAz" } as const;

/**
 * A VPC over two availability zones: public subnets plus inner subnets (private with NAT, or isolated
 * when there is no NAT). The inner subnets hold the internal load balancer in every stack.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly innerSubnetIds: pulumi.Output<string[]>;
  /** Whether hosts in the inner subnets can reach the internet (ECR, e-Stat) through a NAT gateway. */
  readonly innerSubnetsReachInternet: boolean;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:aws:Network", name, {}, opts);
    this.innerSubnetsReachInternet = args.natGateways !== "none";
    const vpc = new awsx.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.cidrBlock ?? "10.0.0.0/16",
        numberOfAvailabilityZones: 2,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        natGateways: { strategy: NAT_STRATEGY[args.natGateways] },
        subnetStrategy: "Auto",
        subnetSpecs: [
          { type: "Public", cidrMask: 22 },
          { type: this.innerSubnetsReachInternet ? "Private" : "Isolated", cidrMask: 22 },
        ],
        ...(this.innerSubnetsReachInternet
          ? {
              vpcEndpointSpecs: [{ serviceName: s3ServiceName(args.region), vpcEndpointType: "Gateway" }],
              // Auto: the endpoint goes into the route tables awsx creates (Legacy would attach none).
              vpcEndpointStrategy: "Auto" as const,
            }
          : {}),
      },
      { parent: this },
    );
    this.vpcId = vpc.vpcId;
    this.publicSubnetIds = vpc.publicSubnetIds;
    this.innerSubnetIds = this.innerSubnetsReachInternet ? vpc.privateSubnetIds : vpc.isolatedSubnetIds;
    this.registerOutputs({ vpcId: this.vpcId });
  }
}

function s3ServiceName(region: string | undefined): string {
  if (!region) {
    throw new Error("Network: an S3 gateway endpoint needs the region. Set it with: pulumi config set aws:region ap-northeast-1");
  }
  return `com.amazonaws.${region}.s3`;
}

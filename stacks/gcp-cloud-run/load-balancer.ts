import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface LoadBalancerArgs {
  project: string;
  region: string;
  serviceName: pulumi.Input<string>;
  domainName: string;
  /** Cloud Armor's per-IP limit per minute: the fleet-wide limit the per-instance one cannot be. */
  ratePerMinute: number;
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The optional external HTTPS load balancer (prod, `loadBalancer: true`, ~$18/month): a serverless NEG
 * for the service, a Google-managed certificate for the domain, and a Cloud Armor policy throttling each
 * client IP. The service's ingress is then restricted to the load balancer.
 */
export class ServerLoadBalancer extends pulumi.ComponentResource {
  readonly ipAddress: pulumi.Output<string>;

  constructor(name: string, a: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:gcp:ServerLoadBalancer", name, {}, opts);
    const o = { parent: this, dependsOn: a.dependsOn };
    const neg = new gcp.compute.RegionNetworkEndpointGroup(
      `${name}-neg`,
      { project: a.project, region: a.region, networkEndpointType: "SERVERLESS", cloudRun: { service: a.serviceName } },
      o,
    );
    const armor = new gcp.compute.SecurityPolicy(
      `${name}-armor`,
      {
        project: a.project,
        description: "estat-mcp: per-IP rate limit",
        rules: [
          {
            priority: 1000,
            action: "throttle",
            description: `at most ${a.ratePerMinute} requests per minute per client IP`,
            match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } },
            rateLimitOptions: {
              conformAction: "allow",
              exceedAction: "deny(429)",
              enforceOnKey: "IP",
              rateLimitThreshold: { count: a.ratePerMinute, intervalSec: 60 },
            },
          },
          {
            priority: 2147483647,
            action: "allow",
            description: "default",
            match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } },
          },
        ],
      },
      o,
    );
    const backend = new gcp.compute.BackendService(
      `${name}-backend`,
      {
        project: a.project,
        loadBalancingScheme: "EXTERNAL_MANAGED",
        protocol: "HTTPS",
        backends: [{ group: neg.id }],
        securityPolicy: armor.id,
        logConfig: { enable: true, sampleRate: 1 },
      },
      o,
    );
    const urlMap = new gcp.compute.URLMap(`${name}-urlmap`, { project: a.project, defaultService: backend.id }, o);
    const cert = new gcp.compute.ManagedSslCertificate(
      `${name}-cert`,
      { project: a.project, managed: { domains: [a.domainName] } },
      o,
    );
    const proxy = new gcp.compute.TargetHttpsProxy(
      `${name}-https`,
      { project: a.project, urlMap: urlMap.id, sslCertificates: [cert.id] },
      o,
    );
    const address = new gcp.compute.GlobalAddress(`${name}-ip`, { project: a.project }, o);
    new gcp.compute.GlobalForwardingRule(
      `${name}-rule`,
      {
        project: a.project,
        target: proxy.id,
        portRange: "443",
        ipAddress: address.address,
        loadBalancingScheme: "EXTERNAL_MANAGED",
      },
      o,
    );
    this.ipAddress = address.address;
    this.registerOutputs({ ipAddress: this.ipAddress });
  }
}

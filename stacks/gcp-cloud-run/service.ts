import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { PinnedSecret } from "./secrets.ts";

/** The port the container listens on; Cloud Run sets PORT from it (PORT itself is reserved). */
export const CONTAINER_PORT = 8080;

export interface ServerServiceArgs {
  project: string;
  region: string;
  serviceName: string;
  image: pulumi.Input<string>;
  serviceAccountEmail: pulumi.Input<string>;
  /** Plain env values (serverEnv without PORT, which the platform sets). */
  env: Record<string, pulumi.Input<string>>;
  secrets: PinnedSecret[];
  minInstances: number;
  maxInstances: number;
  concurrency: number;
  cpu: string;
  memoryMiB: number;
  startupCpuBoost: boolean;
  deletionProtection: boolean;
  requestTimeoutS: number;
  /** Only the load balancer may reach the service (loadBalancer: true). */
  internalLoadBalancerOnly: boolean;
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The Cloud Run service: the dedicated runtime account, request-based billing (CPU only while a request
 * runs), scale to zero or a warm instance, probes on /healthz, secrets by pinned version, and no
 * invoker IAM check (the server's own API keys guard it).
 */
export function serverService(name: string, a: ServerServiceArgs, opts: pulumi.CustomResourceOptions): gcp.cloudrunv2.Service {
  const plain = Object.entries(a.env).map(([n, value]) => ({ name: n, value }));
  const secret = a.secrets.map((s) => ({
    name: s.env,
    valueSource: { secretKeyRef: { secret: s.secret.secretId, version: s.version.version } },
  }));
  const probe = { httpGet: { path: "/healthz", port: CONTAINER_PORT }, timeoutSeconds: 3 };
  return new gcp.cloudrunv2.Service(
    name,
    {
      project: a.project,
      location: a.region,
      name: a.serviceName,
      // Generic MCP clients cannot mint Google ID tokens: no invoker check; the server's API keys are on.
      invokerIamDisabled: true,
      ingress: a.internalLoadBalancerOnly ? "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER" : "INGRESS_TRAFFIC_ALL",
      defaultUriDisabled: false,
      deletionProtection: a.deletionProtection,
      launchStage: "GA",
      labels: { app: "estat-mcp" },
      // Revision-level scaling only: a service-level floor would stack on top of it across revisions.
      template: {
        serviceAccount: a.serviceAccountEmail,
        timeout: `${a.requestTimeoutS}s`,
        maxInstanceRequestConcurrency: a.concurrency,
        executionEnvironment: "EXECUTION_ENVIRONMENT_GEN2",
        scaling: { minInstanceCount: a.minInstances, maxInstanceCount: a.maxInstances },
        labels: { app: "estat-mcp" },
        containers: [
          {
            name: "server",
            image: a.image,
            ports: { name: "http1", containerPort: CONTAINER_PORT },
            envs: [...plain, ...secret],
            resources: {
              limits: { cpu: a.cpu, memory: `${a.memoryMiB}Mi` },
              // Request-based billing: CPU is allocated (and billed) only while requests run.
              cpuIdle: true,
              startupCpuBoost: a.startupCpuBoost,
            },
            startupProbe: { ...probe, periodSeconds: 2, failureThreshold: 30, initialDelaySeconds: 0 },
            livenessProbe: { ...probe, periodSeconds: 30, failureThreshold: 3 },
          },
        ],
      },
      traffics: [{ type: "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", percent: 100 }],
    },
    { ...opts, dependsOn: a.dependsOn },
  );
}

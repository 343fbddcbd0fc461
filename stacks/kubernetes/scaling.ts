import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { selectorOf } from "./workload.ts";

export interface ScalingArgs {
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  deploymentName: pulumi.Input<string>;
  minReplicas: number;
  maxReplicas: number;
  cpuTargetPercent: number;
}

/** Scales the Deployment on CPU and keeps voluntary disruptions (node drains, upgrades) to one pod at a time. */
export class Scaling extends pulumi.ComponentResource {
  readonly autoscaler: k8s.autoscaling.v2.HorizontalPodAutoscaler;
  readonly disruptionBudget: k8s.policy.v1.PodDisruptionBudget;

  constructor(name: string, args: ScalingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:kubernetes:Scaling", name, {}, opts);
    const self = { parent: this };
    const metadata = { name, namespace: args.namespace, labels: args.labels };
    this.autoscaler = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}-hpa`,
      {
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: args.deploymentName },
          minReplicas: args.minReplicas,
          maxReplicas: args.maxReplicas,
          metrics: [
            {
              type: "Resource",
              resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.cpuTargetPercent } },
            },
          ],
          // Scale in slowly: a pod removed drains its calls for up to the grace period.
          behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] } },
        },
      },
      self,
    );
    this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      // maxUnavailable, not minAvailable: with one replica (dev) minAvailable 1 would block every node drain.
      { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: selectorOf(args.labels) } } },
      self,
    );
    this.registerOutputs({});
  }
}

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PORT_NAME, selectorOf } from "./workload.ts";

export interface NetworkPolicyArgs {
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  /** The only namespace whose pods may open connections to the server (the ingress controller's). */
  ingressNamespace: string;
  /** TCP ports the server may reach outside the cluster: 443 (e-Stat, S3, STS), plus an S3 endpoint's own. */
  egressPorts: number[];
}

/**
 * Default deny for the server's pods, then: in from the ingress controller's namespace on the server's
 * port; out to the cluster DNS and to the given ports. Kubelet probes come from the node and are not
 * subject to NetworkPolicy.
 */
export function serverNetworkPolicy(name: string, a: NetworkPolicyArgs, opts: pulumi.CustomResourceOptions) {
  const ns = (n: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": n } } });
  return new k8s.networking.v1.NetworkPolicy(
    `${name}-netpol`,
    {
      metadata: { name, namespace: a.namespace, labels: a.labels },
      spec: {
        podSelector: { matchLabels: selectorOf(a.labels) },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [ns(a.ingressNamespace)], ports: [{ protocol: "TCP", port: PORT_NAME }] }],
        egress: [
          {
            to: [{ ...ns("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
          { ports: [...new Set(a.egressPorts)].map((port) => ({ protocol: "TCP", port })) },
        ],
      },
    },
    opts,
  );
}

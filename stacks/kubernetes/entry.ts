import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface EntryArgs {
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  host: string;
  serviceName: pulumi.Input<string>;
  /** Longest wait for a byte from the server, and between two bytes sent to it, in seconds. */
  proxyTimeoutSeconds: number;
  /** The server's MAX_BODY_BYTES: the proxy refuses larger bodies itself (413). */
  maxBodyBytes: number;
}

export interface IngressArgs extends EntryArgs {
  ingressClassName: string;
  /** cert-manager ClusterIssuer; unset: no TLS block (the cluster terminates TLS elsewhere). */
  certIssuer?: string;
}

/**
 * The ingress-nginx annotations an MCP server needs. Buffering off: SSE progress and keep-alives reach
 * the client as they are written, not at the end of the call. Timeouts above the longest silence.
 */
export function ingressNginxAnnotations(a: Pick<IngressArgs, "proxyTimeoutSeconds" | "maxBodyBytes" | "certIssuer">) {
  const seconds = String(a.proxyTimeoutSeconds);
  return {
    "nginx.ingress.kubernetes.io/proxy-buffering": "off",
    "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
    "nginx.ingress.kubernetes.io/proxy-read-timeout": seconds,
    "nginx.ingress.kubernetes.io/proxy-send-timeout": seconds,
    "nginx.ingress.kubernetes.io/proxy-body-size": `${Math.ceil(a.maxBodyBytes / 1024)}k`,
    "nginx.ingress.kubernetes.io/proxy-http-version": "1.1",
    ...(a.certIssuer
      ? {
          "cert-manager.io/cluster-issuer": a.certIssuer,
          "nginx.ingress.kubernetes.io/ssl-redirect": "true",
          "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
        }
      : {}),
  };
}

export function serverIngress(name: string, a: IngressArgs, opts: pulumi.CustomResourceOptions) {
  return new k8s.networking.v1.Ingress(
    `${name}-ingress`,
    {
      metadata: { name, namespace: a.namespace, labels: a.labels, annotations: ingressNginxAnnotations(a) },
      spec: {
        ingressClassName: a.ingressClassName,
        ...(a.certIssuer ? { tls: [{ hosts: [a.host], secretName: `${name}-tls` }] } : {}),
        rules: [
          {
            host: a.host,
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  backend: { service: { name: a.serviceName, port: { name: "http" } } },
                },
              ],
            },
          },
        ],
      },
    },
    opts,
  );
}

export interface RouteArgs extends EntryArgs {
  gatewayName: string;
  gatewayNamespace?: string;
}

/**
 * A Gateway API HTTPRoute on an existing Gateway. The Gateway's listener owns TLS; the route's timeouts
 * cover a whole call (Gateway API's `request` timeout spans the response, streams included).
 */
export function serverRoute(name: string, a: RouteArgs, opts: pulumi.CustomResourceOptions) {
  const timeout = `${a.proxyTimeoutSeconds}s`;
  return new k8s.apiextensions.CustomResource(
    `${name}-route`,
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name, namespace: a.namespace, labels: a.labels },
      spec: {
        parentRefs: [{ name: a.gatewayName, ...(a.gatewayNamespace ? { namespace: a.gatewayNamespace } : {}) }],
        hostnames: [a.host],
        rules: [
          {
            matches: [{ path: { type: "PathPrefix", value: "/" } }],
            backendRefs: [{ name: a.serviceName, port: 80 }],
            timeouts: { request: timeout, backendRequest: timeout },
          },
        ],
      },
    },
    opts,
  );
}

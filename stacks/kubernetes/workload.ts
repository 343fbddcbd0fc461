import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** The container's port, named so probes, the Service and NetworkPolicy refer to it by name. */
export const CONTAINER_PORT = 8080;
export const PORT_NAME = "http";
/** The image's unprivileged `node` user (Dockerfile). */
const NODE_UID = 1000;

export interface WorkloadArgs {
  namespace: pulumi.Input<string>;
  /** Labels every object carries; the selector is the `app.kubernetes.io/name` + `instance` pair. */
  labels: Record<string, string>;
  image: string;
  /** Plain environment; values that are secrets come from `secretEnv` only. */
  env: Record<string, pulumi.Input<string>>;
  /** Env var → key in the Secret `secretName`. */
  secretEnv: Record<string, string>;
  secretName: pulumi.Input<string>;
  resources: { cpuRequest: string; cpuLimit?: string; memoryRequest: string; memoryLimit: string };
  /** ServiceAccount annotations: workload identity (IRSA). */
  serviceAccountAnnotations: Record<string, string>;
  /** Seconds the pod keeps serving after it is marked terminating, while endpoints propagate. */
  preStopSeconds: number;
  terminationGracePeriodSeconds: number;
}

/**
 * The server's pods: a ServiceAccount, a Deployment at the Pod Security Standards' restricted level,
 * and a ClusterIP Service. Probes: started and alive on /healthz (the process answers), ready on /readyz
 * (the lake is usable and shutdown has not begun).
 */
export class Workload extends pulumi.ComponentResource {
  readonly serviceAccount: k8s.core.v1.ServiceAccount;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;

  constructor(name: string, args: WorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:kubernetes:Workload", name, {}, opts);
    const self = { parent: this };
    const metadata = (extra: object = {}) => ({ name, namespace: args.namespace, labels: args.labels, ...extra });
    this.serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      { metadata: metadata({ annotations: args.serviceAccountAnnotations }), automountServiceAccountToken: false },
      self,
    );
    this.deployment = new k8s.apps.v1.Deployment(`${name}-deploy`, { metadata: metadata(), spec: deploymentSpec(name, args) }, self);
    this.service = new k8s.core.v1.Service(
      `${name}-svc`,
      {
        metadata: metadata(),
        spec: {
          type: "ClusterIP",
          selector: selectorOf(args.labels),
          ports: [{ name: PORT_NAME, port: 80, targetPort: PORT_NAME, protocol: "TCP" }],
        },
      },
      self,
    );
    this.registerOutputs({ service: this.service.metadata.name });
  }
}

/** The two labels that select the server's pods (a subset of every object's labels). */
export function selectorOf(labels: Record<string, string>): Record<string, string> {
  return {
    "app.kubernetes.io/name": labels["app.kubernetes.io/name"],
    "app.kubernetes.io/instance": labels["app.kubernetes.io/instance"],
  };
}

function deploymentSpec(name: string, a: WorkloadArgs): k8s.types.input.apps.v1.DeploymentSpec {
  const selector = selectorOf(a.labels);
  return {
    // No replicas: the HorizontalPodAutoscaler owns the count (a declared one would fight it on every apply).
    selector: { matchLabels: selector },
    // One new pod before an old one goes: a rollout never drops below the replica count.
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: {
      metadata: { labels: a.labels },
      spec: {
        serviceAccountName: name,
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: a.terminationGracePeriodSeconds,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: NODE_UID,
          runAsGroup: NODE_UID,
          fsGroup: NODE_UID,
          seccompProfile: { type: "RuntimeDefault" },
        },
        topologySpreadConstraints: ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) => ({
          maxSkew: 1,
          topologyKey,
          // A cluster with one zone or one node still schedules the pods.
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: selector },
        })),
        containers: [container(a)],
        // The lake stages uploads in /tmp; the root filesystem is read-only.
        volumes: [{ name: "tmp", emptyDir: { sizeLimit: "1Gi" } }],
      },
    },
  };
}

function container(a: WorkloadArgs): k8s.types.input.core.v1.Container {
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: PORT_NAME },
    periodSeconds,
    timeoutSeconds: 3,
    failureThreshold,
  });
  return {
    name: "server",
    image: a.image,
    imagePullPolicy: "IfNotPresent",
    ports: [{ name: PORT_NAME, containerPort: CONTAINER_PORT, protocol: "TCP" }],
    env: [
      ...Object.entries(a.env).map(([name, value]) => ({ name, value })),
      ...Object.entries(a.secretEnv).map(([name, key]) => ({
        name,
        valueFrom: { secretKeyRef: { name: a.secretName, key } },
      })),
    ],
    resources: {
      requests: { cpu: a.resources.cpuRequest, memory: a.resources.memoryRequest },
      // No CPU limit unless asked: throttling a Node process stalls every request on it.
      limits: { memory: a.resources.memoryLimit, ...(a.resources.cpuLimit ? { cpu: a.resources.cpuLimit } : {}) },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    startupProbe: probe("/healthz", 2, 30),
    livenessProbe: probe("/healthz", 10, 3),
    readinessProbe: probe("/readyz", 5, 2),
    // Keep serving while the endpoint leaves every load balancer; SIGTERM (and the server's drain) after.
    lifecycle: { preStop: { sleep: { seconds: a.preStopSeconds } } },
  };
}

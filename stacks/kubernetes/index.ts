import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { TargetConfig } from "../config.ts";
import { clientConfigs } from "../shared/client-configs.ts";
import { serverEnv } from "../shared/server-env.ts";
import type { TargetOutputs } from "../shared/target-outputs.ts";
import { kubernetesTimeouts } from "./timeouts.ts";
import { serverIngress, serverRoute } from "./entry.ts";
import { serverNetworkPolicy } from "./network-policy.ts";
import { Scaling } from "./scaling.ts";
import { SECRET_KEYS, type SecretSourceArgs, ServerSecret } from "./secrets.ts";
import { type KubernetesConfig, memMiB } from "./config.ts";
import { CONTAINER_PORT, Workload } from "./workload.ts";

type KubernetesTargetConfig = TargetConfig<"kubernetes">;

const NAME = "estat-mcp";

/**
 * The `kubernetes` target: the server in the cluster of the current (or a configured) kubeconfig
 * context. A table of contents; each part is its own module.
 */
export function deployKubernetes(c: KubernetesTargetConfig): TargetOutputs {
  const timeouts = kubernetesTimeouts();
  const provider = new k8s.Provider(`${NAME}-k8s`, { context: c.kubeContext, enableServerSideApply: true });
  const opts = { provider };
  const labels = {
    "app.kubernetes.io/name": NAME,
    "app.kubernetes.io/instance": `${NAME}-${c.stack}`,
    "app.kubernetes.io/part-of": NAME,
    "app.kubernetes.io/managed-by": "pulumi",
  };
  const namespace = createNamespace(c.namespace, labels, opts);
  const ns = namespace.metadata.name;
  const secret = new ServerSecret(`${NAME}-secrets`, { namespace: ns, labels, from: secretSource(c) }, opts);
  const workload = new Workload(
    NAME,
    {
      namespace: ns,
      labels,
      image: c.image,
      env: {
        ...serverEnv({
          port: CONTAINER_PORT,
          lakeUrl: lakeUrl(c),
          // No entry: the server is reached through `kubectl port-forward` on loopback.
          allowedHosts: c.host ?? "localhost",
          logLevel: c.logLevel,
          rateLimitPerMinute: c.rateLimitPerMinute,
          trustedProxyHops: c.entry === "none" ? 0 : c.trustedProxyHops,
          timeouts: timeouts.chain.server,
          memoryMiB: memMiB(c.memoryLimit),
        }),
        AWS_REGION: c.lakeRegion,
        ...(c.s3Endpoint ? { S3_ENDPOINT: c.s3Endpoint } : {}),
      },
      secretEnv: secretEnv(c),
      secretName: secret.secretName,
      resources: c,
      serviceAccountAnnotations:
        c.identity === "irsa" && c.awsRoleArn ? { "eks.amazonaws.com/role-arn": c.awsRoleArn } : {},
      preStopSeconds: timeouts.preStopSeconds,
      terminationGracePeriodSeconds: timeouts.terminationGracePeriodSeconds,
    },
    opts,
  );
  new Scaling(
    NAME,
    {
      namespace: ns,
      labels,
      deploymentName: workload.deployment.metadata.name,
      minReplicas: c.minReplicas,
      maxReplicas: c.maxReplicas,
      cpuTargetPercent: c.cpuTargetPercent,
    },
    opts,
  );
  serverNetworkPolicy(NAME, { namespace: ns, labels, ingressNamespace: c.ingressNamespace, egressPorts: egressPorts(c) }, opts);
  const entryArgs = {
    namespace: ns,
    labels,
    host: c.host ?? "",
    serviceName: workload.service.metadata.name,
    proxyTimeoutSeconds: timeouts.proxyTimeoutSeconds,
    maxBodyBytes: timeouts.maxBodyBytes,
  };
  if (c.entry === "ingress") {
    serverIngress(NAME, { ...entryArgs, ingressClassName: c.ingressClassName, certIssuer: c.certIssuer }, opts);
  } else if (c.entry === "gateway" && c.gatewayName) {
    serverRoute(NAME, { ...entryArgs, gatewayName: c.gatewayName, gatewayNamespace: c.gatewayNamespace }, opts);
  }
  // entry none: `kubectl -n <namespace> port-forward svc/estat-mcp 8080:80`.
  const base =
    c.entry === "none"
      ? "http://localhost:8080"
      : `${c.entry === "ingress" && !c.certIssuer ? "http" : "https"}://${c.host}`;
  const endpoint = pulumi.output(`${base}/mcp`);
  // A Secret made outside Pulumi keeps its key to itself: the outputs say where it is instead.
  const apiKey =
    secret.apiKey ??
    pulumi.secret(
      pulumi.interpolate`<the first key of MCP_API_KEYS in Secret ${ns}/${secret.secretName}: kubectl -n ${ns} get secret ${secret.secretName} -o jsonpath={.data.MCP_API_KEYS} | base64 -d>`,
    );
  return {
    endpoint,
    healthUrl: pulumi.output(`${base}/healthz`),
    apiKey,
    clientConfigs: pulumi.secret(pulumi.all([endpoint, apiKey]).apply(([e, k]) => clientConfigs(e, k))),
    dataLakeUrl: pulumi.output(lakeUrl(c)),
  };
}

/** The namespace, labelled so the API server enforces the restricted Pod Security Standard on it. */
function createNamespace(name: string, labels: Record<string, string>, opts: pulumi.CustomResourceOptions) {
  return new k8s.core.v1.Namespace(
    `${NAME}-ns`,
    {
      metadata: {
        name,
        labels: {
          ...labels,
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
        },
      },
    },
    opts,
  );
}

function secretSource(c: KubernetesTargetConfig): SecretSourceArgs {
  if (c.secretSource === "existing") return { source: "existing", secretName: c.existingSecretName ?? "" };
  if (c.secretSource === "external-secrets") {
    return {
      source: "external-secrets",
      store: c.externalSecretStore ?? "",
      storeKind: c.externalSecretStoreKind,
      remoteKeys: {
        ESTAT_APP_ID: c.externalSecretAppIdKey,
        MCP_API_KEYS: c.externalSecretApiKeysKey,
        ...(c.identity === "static-keys"
          ? { S3_ACCESS_KEY_ID: c.externalSecretS3AccessKeyIdKey, S3_SECRET_ACCESS_KEY: c.externalSecretS3SecretKey }
          : {}),
      },
    };
  }
  return {
    source: "config",
    estatAppId: c.estatAppId,
    apiKeys: c.apiKeys,
    s3Keys:
      c.identity === "static-keys" && c.targetSecrets.s3AccessKeyId && c.targetSecrets.s3SecretAccessKey
        ? { accessKeyId: c.targetSecrets.s3AccessKeyId, secretAccessKey: c.targetSecrets.s3SecretAccessKey }
        : undefined,
  };
}

function lakeUrl(c: KubernetesConfig): string {
  return c.lakePrefix ? `s3://${c.lakeBucket}/${c.lakePrefix.replace(/^\/+/, "")}` : `s3://${c.lakeBucket}`;
}

/** Env vars read from the Secret: never a plain value in the pod spec. */
function secretEnv(c: KubernetesConfig): Record<string, string> {
  return {
    ESTAT_APP_ID: SECRET_KEYS.ESTAT_APP_ID,
    MCP_API_KEYS: SECRET_KEYS.MCP_API_KEYS,
    ...(c.identity === "static-keys"
      ? { S3_ACCESS_KEY_ID: SECRET_KEYS.S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: SECRET_KEYS.S3_SECRET_ACCESS_KEY }
      : {}),
  };
}

/** 443 for e-Stat, S3 and STS; an S3-compatible endpoint's own port too. */
function egressPorts(c: KubernetesConfig): number[] {
  if (!c.s3Endpoint) return [443];
  const u = new URL(c.s3Endpoint);
  return [443, Number(u.port || (u.protocol === "http:" ? 80 : 443))];
}

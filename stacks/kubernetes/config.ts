import { z } from "zod";
import { int, oneOf, needs, type Need, type TargetSlice } from "../shared/settings.ts";

/**
 * The `kubernetes` target's own config keys (`pulumi config set estat-mcp:<key>`). Everything the target
 * needs from a cluster is named here; nothing is discovered from it, so a preview without a cluster (or
 * `npm run k8s:render`) gives the same objects as an update.
 */

/** Kubernetes quantities as the API accepts them: `250m`, `0.5`, `512Mi`, `1Gi`. */
const cpuQuantity = z.string().regex(/^(\d+m|\d+(\.\d+)?)$/, { error: "must be a CPU quantity such as 250m or 1" });
const memQuantity = z
  .string()
  .regex(/^\d+(Ki|Mi|Gi)$/, { error: "must be a memory quantity in Ki, Mi or Gi, such as 512Mi" });
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
  error: "must be a DNS label: lower-case letters, digits and -, at most 63 characters",
});
const dnsName = z.string().regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/, { error: "must be a lower-case DNS name" });

export const ENTRIES = ["ingress", "gateway", "none"] as const;
export const SECRET_SOURCES = ["config", "existing", "external-secrets"] as const;
/**
 * How pods get lake credentials. GKE Workload Identity is not offered: the server reaches Cloud Storage
 * through its S3-compatible XML API, which takes HMAC keys (static-keys), not the tokens Workload
 * Identity hands out; it needs a native Cloud Storage store in the server first.
 */
export const IDENTITIES = ["irsa", "eks-pod-identity", "static-keys", "none"] as const;

const shape = {
  /** kubeconfig context to deploy into; unset: the current context. */
  kubeContext: z.string().min(1).optional(),
  namespace: dnsLabel,
  /**
   * The server image, built from the repo's Dockerfile by your CI and pushed to your registry. A tag other
   * than `latest`, or a digest: a moving tag makes rollouts and rollbacks lie.
   */
  image: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+(:[\w.-]+|@sha256:[a-f0-9]{64})$/, {
      error: "must be an image reference with a tag or digest, e.g. ghcr.io/you/estat-mcp:1.2.0 or …@sha256:<64 hex>",
    })
    .refine((v) => !/:latest$/.test(v), { error: "must not use the latest tag: pin a version or a digest" }),
  minReplicas: int(1, 100),
  maxReplicas: int(1, 100),
  cpuTargetPercent: int(10, 90),
  cpuRequest: cpuQuantity,
  cpuLimit: cpuQuantity.optional(),
  memoryRequest: memQuantity,
  memoryLimit: memQuantity,
  /** How traffic reaches the Service: an ingress-nginx Ingress, a Gateway API HTTPRoute, or nothing (port-forward). */
  entry: oneOf(ENTRIES),
  /** The public host name (required with an entry): the Ingress/HTTPRoute host and the server's ALLOWED_HOSTS. */
  host: dnsName.optional(),
  ingressClassName: dnsLabel,
  /** The namespace the ingress controller (or Gateway's data plane) runs in: the only source NetworkPolicy admits. */
  ingressNamespace: dnsLabel,
  /** cert-manager ClusterIssuer that issues the Ingress's certificate; unset: TLS is the cluster's business. */
  certIssuer: z.string().min(1).optional(),
  /** The Gateway an HTTPRoute attaches to (entry: gateway). */
  gatewayName: dnsLabel.optional(),
  gatewayNamespace: dnsLabel.optional(),
  /** Proxies that append to X-Forwarded-For in front of the pods (ingress-nginx or the Gateway: 1). */
  trustedProxyHops: int(0, 5),
  /** Where ESTAT_APP_ID and MCP_API_KEYS come from: Pulumi secret config, a Secret you made, or External Secrets. */
  secretSource: oneOf(SECRET_SOURCES),
  existingSecretName: dnsLabel.optional(),
  /** External Secrets Operator: the (Cluster)SecretStore and the remote keys holding each value. */
  externalSecretStore: z.string().min(1).optional(),
  externalSecretStoreKind: oneOf(["SecretStore", "ClusterSecretStore"]),
  externalSecretAppIdKey: z.string().min(1).optional(),
  externalSecretApiKeysKey: z.string().min(1).optional(),
  /** With identity static-keys: the remote keys of the S3 access key id and secret. */
  externalSecretS3AccessKeyIdKey: z.string().min(1).optional(),
  externalSecretS3SecretKey: z.string().min(1).optional(),
  /** The lake: an S3 (or S3-compatible) bucket that exists already; the target creates no cloud resources. */
  lakeBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "must be an S3 bucket name" }),
  lakePrefix: z.string().regex(/^[\w./-]*$/, { error: "must be a key prefix (letters, digits, . _ / -)" }),
  lakeRegion: z.string().min(1),
  /** An S3-compatible endpoint (MinIO, Cloud Storage's XML API); unset: AWS S3. */
  s3Endpoint: z.url({ error: "must be a URL such as https://storage.googleapis.com" }).optional(),
  identity: oneOf(IDENTITIES),
  /** IAM role for IRSA (EKS). */
  awsRoleArn: z
    .string()
    .regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, { error: "must be an IAM role ARN" })
    .optional(),
};

export type KubernetesConfig = z.infer<z.ZodObject<typeof shape>>;

/** Defaults for the kubernetes target; Pulumi.<stack>.yaml overrides them. */
const defaults: Record<string, string> = {
  namespace: "estat-mcp",
  minReplicas: "2",
  maxReplicas: "4",
  cpuTargetPercent: "60",
  cpuRequest: "250m",
  memoryRequest: "512Mi",
  memoryLimit: "512Mi",
  entry: "ingress",
  ingressClassName: "nginx",
  ingressNamespace: "ingress-nginx",
  trustedProxyHops: "1",
  secretSource: "config",
  externalSecretStoreKind: "ClusterSecretStore",
  lakePrefix: "",
  lakeRegion: "ap-northeast-1",
  identity: "irsa",
};

/** The `kubernetes` target's keys; secrets beyond the common two: static S3 keys (identity static-keys). */
export const kubernetes: TargetSlice<"kubernetes", typeof shape> = {
  target: "kubernetes",
  description: "a Deployment behind ingress-nginx or a Gateway API HTTPRoute, in the cluster of your kubeconfig",
  shape,
  defaults,
  secretKeys: ["s3AccessKeyId", "s3SecretAccessKey"],
  check: needs(kubernetesRules),
};

/** Combinations the schema alone cannot see, each named with the key to set. */
function kubernetesRules(c: KubernetesConfig, need: Need): void {
  need(c.minReplicas > c.maxReplicas, "maxReplicas", `must be ≥ minReplicas (${c.minReplicas})`);
  need(c.entry !== "none" && !c.host, "host", `entry ${c.entry} needs the public host name: set host (or entry none)`);
  need(c.entry === "gateway" && !c.gatewayName, "gatewayName", "entry gateway needs gatewayName (and gatewayNamespace)");
  need(c.entry !== "gateway" && Boolean(c.gatewayName), "gatewayName", "only used with entry gateway");
  need(c.entry !== "ingress" && Boolean(c.certIssuer), "certIssuer", "only used with entry ingress");
  need(c.secretSource === "existing" && !c.existingSecretName, "existingSecretName", "secretSource existing needs existingSecretName");
  need(
    c.secretSource === "external-secrets" &&
      !(c.externalSecretStore && c.externalSecretAppIdKey && c.externalSecretApiKeysKey),
    "externalSecretStore",
    "secretSource external-secrets needs externalSecretStore, externalSecretAppIdKey and externalSecretApiKeysKey",
  );
  need(
    c.secretSource === "external-secrets" &&
      c.identity === "static-keys" &&
      !(c.externalSecretS3AccessKeyIdKey && c.externalSecretS3SecretKey),
    "externalSecretS3AccessKeyIdKey",
    "identity static-keys with external-secrets needs externalSecretS3AccessKeyIdKey and externalSecretS3SecretKey",
  );
  need(c.identity === "irsa" && !c.awsRoleArn, "awsRoleArn", "identity irsa needs the IAM role ARN the pods assume");
  need(c.identity !== "irsa" && Boolean(c.awsRoleArn), "awsRoleArn", "only used with identity irsa");
  need(memMiB(c.memoryRequest) > memMiB(c.memoryLimit), "memoryRequest", `must be ≤ memoryLimit (${c.memoryLimit})`);
}

/** A memory quantity in MiB. */
export function memMiB(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`not a memory quantity: ${q}`);
  const n = Number(m[1]);
  return m[2] === "Gi" ? n * 1024 : m[2] === "Mi" ? n : n / 1024;
}

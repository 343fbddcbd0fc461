import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** Keys of the Secret the pods read; the env var of the same name takes each. */
export const SECRET_KEYS = {
  ESTAT_APP_ID: "ESTAT_APP_ID",
  MCP_API_KEYS: "MCP_API_KEYS",
  S3_ACCESS_KEY_ID: "S3_ACCESS_KEY_ID",
  S3_SECRET_ACCESS_KEY: "S3_SECRET_ACCESS_KEY",
} as const;

export type SecretSourceArgs =
  | {
      source: "config";
      estatAppId: pulumi.Output<string>;
      /** Unset: one key is generated. */
      apiKeys?: pulumi.Output<string>;
      s3Keys?: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
    }
  | { source: "existing"; secretName: string }
  | {
      source: "external-secrets";
      store: string;
      storeKind: "SecretStore" | "ClusterSecretStore";
      /** Remote key per Secret key. */
      remoteKeys: Partial<Record<keyof typeof SECRET_KEYS, string>>;
    };

export interface ServerSecretArgs {
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  from: SecretSourceArgs;
}

/**
 * The Secret holding ESTAT_APP_ID and MCP_API_KEYS (and static S3 keys where used): made from Pulumi
 * secret config, one you made yourself (`kubectl create secret generic`), or synced by the External
 * Secrets Operator from your secret manager. `apiKey` is known only in the first case.
 */
export class ServerSecret extends pulumi.ComponentResource {
  readonly secretName: pulumi.Output<string>;
  readonly apiKey: pulumi.Output<string> | undefined;

  constructor(name: string, args: ServerSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:kubernetes:ServerSecret", name, {}, opts);
    const self = { parent: this };
    const metadata = { name, namespace: args.namespace, labels: args.labels };
    const from = args.from;
    if (from.source === "existing") {
      this.secretName = pulumi.output(from.secretName);
      this.apiKey = undefined;
    } else if (from.source === "external-secrets") {
      const es = new k8s.apiextensions.CustomResource(
        `${name}-external`,
        {
          apiVersion: "external-secrets.io/v1",
          kind: "ExternalSecret",
          metadata,
          spec: {
            refreshInterval: "1h",
            secretStoreRef: { name: from.store, kind: from.storeKind },
            target: { name, creationPolicy: "Owner" },
            data: Object.entries(from.remoteKeys).map(([secretKey, key]) => ({ secretKey, remoteRef: { key } })),
          },
        },
        self,
      );
      this.secretName = es.metadata.name;
      this.apiKey = undefined;
    } else {
      const apiKey =
        from.apiKeys?.apply((k) => k.split(",")[0]) ??
        new random.RandomPassword(`${name}-api-key`, { length: 48, special: false }, self).result;
      const secret = new k8s.core.v1.Secret(
        `${name}-secret`,
        {
          metadata,
          type: "Opaque",
          stringData: {
            [SECRET_KEYS.ESTAT_APP_ID]: from.estatAppId,
            [SECRET_KEYS.MCP_API_KEYS]: from.apiKeys ?? apiKey,
            ...(from.s3Keys
              ? {
                  [SECRET_KEYS.S3_ACCESS_KEY_ID]: from.s3Keys.accessKeyId,
                  [SECRET_KEYS.S3_SECRET_ACCESS_KEY]: from.s3Keys.secretAccessKey,
                }
              : {}),
          },
        },
        self,
      );
      this.secretName = secret.metadata.name;
      this.apiKey = pulumi.secret(apiKey);
    }
    this.registerOutputs({ secretName: this.secretName });
  }
}

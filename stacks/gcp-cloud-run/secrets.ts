import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface ServerSecretsArgs {
  project: string;
  /** env var name → its secret value. */
  values: Record<string, pulumi.Input<string>>;
  /** The runtime service account's e-mail: the only accessor. */
  accessorEmail: pulumi.Input<string>;
}

export interface PinnedSecret {
  env: string;
  secret: gcp.secretmanager.Secret;
  version: gcp.secretmanager.SecretVersion;
  accessor: gcp.secretmanager.SecretIamMember;
}

/**
 * One Secret Manager secret per server secret, each with one version that the service names by number
 * (never `latest`): a rotation is a new version and so a new revision, rolled out and rolled back like
 * any other. `secretAccessor` is granted on each secret to the runtime account only.
 */
export class ServerSecrets extends pulumi.ComponentResource {
  readonly pinned: PinnedSecret[];

  constructor(name: string, args: ServerSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:gcp:ServerSecrets", name, {}, opts);
    const self = { parent: this };
    this.pinned = Object.entries(args.values).map(([env, value]) => {
      const id = `${name}-${env.toLowerCase().replace(/_/g, "-")}`;
      const secret = new gcp.secretmanager.Secret(
        id,
        { project: args.project, secretId: id, replication: { auto: {} }, labels: { app: "estat-mcp" } },
        self,
      );
      const version = new gcp.secretmanager.SecretVersion(
        `${id}-v`,
        { secret: secret.id, secretData: pulumi.secret(value) },
        { parent: secret },
      );
      const accessor = new gcp.secretmanager.SecretIamMember(
        `${id}-accessor`,
        {
          project: args.project,
          secretId: secret.secretId,
          role: "roles/secretmanager.secretAccessor",
          member: pulumi.interpolate`serviceAccount:${args.accessorEmail}`,
        },
        { parent: secret },
      );
      return { env, secret, version, accessor };
    });
    this.registerOutputs({});
  }
}

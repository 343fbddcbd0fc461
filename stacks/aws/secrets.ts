import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SERVER_SECRETS } from "../shared/server-env.ts";

export interface SecretsArgs {
  /** SSM path prefix, e.g. `/estat-mcp/dev`. */
  prefix: string;
  estatAppId: pulumi.Input<string>;
  /** Comma-separated API keys; when absent one key is generated. */
  apiKeys?: pulumi.Input<string>;
}

/** An environment variable filled from SSM at start-up. */
export interface SecretRef {
  name: string;
  valueFrom: pulumi.Output<string>;
}

/**
 * The server's secrets as SSM SecureString parameters (encrypted with the account's aws/ssm key).
 * Platform-neutral: a target injects `refs` as it can (ECS `secrets`, Lambda extension, ...).
 */
export class Secrets extends pulumi.ComponentResource {
  readonly estatAppId: aws.ssm.Parameter;
  readonly apiKeys: aws.ssm.Parameter;
  /** The first API key: what the client configurations carry. */
  readonly apiKey: pulumi.Output<string>;
  readonly refs: SecretRef[];
  /** The KMS key SSM encrypts SecureStrings with (alias/aws/ssm). */
  readonly kmsKeyArn: pulumi.Output<string>;

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:aws:Secrets", name, {}, opts);
    const self = { parent: this };
    const keys =
      args.apiKeys !== undefined
        ? pulumi.secret(pulumi.output(args.apiKeys))
        : new random.RandomPassword(`${name}-api-key`, { length: 48, special: false }, self).result;
    this.apiKey = pulumi.secret(keys.apply((k) => k.split(",")[0].trim()));
    this.estatAppId = new aws.ssm.Parameter(
      `${name}-estat-app-id`,
      {
        name: `${args.prefix}/estat-app-id`,
        type: "SecureString",
        value: pulumi.secret(args.estatAppId),
        description: "e-Stat application ID (ESTAT_APP_ID)",
      },
      self,
    );
    this.apiKeys = new aws.ssm.Parameter(
      `${name}-mcp-api-keys`,
      {
        name: `${args.prefix}/mcp-api-keys`,
        type: "SecureString",
        value: keys,
        description: "Comma-separated API keys clients present (MCP_API_KEYS)",
      },
      self,
    );
    this.refs = [
      { name: SERVER_SECRETS.estatAppId, valueFrom: this.estatAppId.arn },
      { name: SERVER_SECRETS.apiKeys, valueFrom: this.apiKeys.arn },
    ];
    this.kmsKeyArn = aws.kms.getAliasOutput({ name: "alias/aws/ssm" }, self).targetKeyArn;
    this.registerOutputs({ parameterArns: this.refs.map((r) => r.valueFrom) });
  }

  /** IAM statements allowing exactly these parameters to be read and decrypted. */
  readStatements(): pulumi.Output<object[]> {
    return pulumi
      .all([this.estatAppId.arn, this.apiKeys.arn, this.kmsKeyArn])
      .apply(([appIdArn, keysArn, kmsKeyArn]) => [
        { Effect: "Allow", Action: ["ssm:GetParameters"], Resource: [appIdArn, keysArn] },
        {
          Effect: "Allow",
          Action: ["kms:Decrypt"],
          Resource: [kmsKeyArn],
          // SSM encrypts each SecureString with its own ARN as encryption context.
          Condition: { StringEquals: { "kms:EncryptionContext:PARAMETER_ARN": [appIdArn, keysArn] } },
        },
      ]);
  }
}

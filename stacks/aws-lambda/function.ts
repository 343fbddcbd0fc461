import { existsSync } from "node:fs";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { roleWithPolicy } from "../aws/iam.ts";

/** What `npm run build` writes: lambda.mjs and the chunks it loads (server/lambda.ts, bundled). */
export const LAMBDA_ZIP = "dist/lambda.zip";
/** The handler inside the zip: lambda.mjs's `handler` export. */
export const LAMBDA_HANDLER = "lambda.handler";
export const LAMBDA_RUNTIME = "nodejs24.x";
/** The alias every entry invokes, and the qualifier provisioned concurrency is set on. */
export const ALIAS = "live";

export interface LambdaFunctionArgs {
  architecture: "ARM64" | "X86_64";
  memoryMiB: number;
  timeoutS: number;
  ephemeralStorageMiB: number;
  reservedConcurrency: number;
  provisionedConcurrency: number;
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** IAM statements beyond writing its own logs: the SSM parameters, the lake. */
  statements: pulumi.Input<object[]>[];
  logRetentionDays: number;
  /** The zip to upload; tests point elsewhere only to prove a missing build is refused. */
  zipPath?: string;
}

/**
 * The function, its `live` alias (a published version: every deployment publishes one), provisioned
 * concurrency on that alias when asked, its log group, and a role that may write those logs plus
 * exactly `statements`.
 */
export class LambdaFunction extends pulumi.ComponentResource {
  readonly fn: aws.lambda.Function;
  readonly alias: aws.lambda.Alias;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly role: aws.iam.Role;

  constructor(name: string, args: LambdaFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:aws:LambdaFunction", name, {}, opts);
    const self = { parent: this };
    const zip = args.zipPath ?? LAMBDA_ZIP;
    if (!existsSync(zip)) {
      throw new pulumi.RunError(`${zip} is missing: run \`npm run build\` before \`pulumi preview\` or \`pulumi up\` (it bundles server/lambda.ts).`);
    }
    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/estat-mcp/${pulumi.getStack()}/lambda`, retentionInDays: args.logRetentionDays },
      self,
    );
    const logStatements = this.logGroup.arn.apply((arn) => [
      { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${arn}:*`] },
    ]);
    this.role = roleWithPolicy(
      `${name}-role`,
      {
        service: "lambda.amazonaws.com",
        description: "estat-mcp Lambda: its own logs, its SSM parameters, the data lake",
        statements: pulumi.all([logStatements, ...args.statements]).apply((groups) => groups.flat()),
      },
      this,
    );
    this.fn = new aws.lambda.Function(
      `${name}-fn`,
      {
        runtime: LAMBDA_RUNTIME,
        architectures: [args.architecture === "ARM64" ? "arm64" : "x86_64"],
        handler: LAMBDA_HANDLER,
        code: new pulumi.asset.FileArchive(zip),
        role: this.role.arn,
        memorySize: args.memoryMiB,
        timeout: args.timeoutS,
        ephemeralStorage: { size: args.ephemeralStorageMiB },
        reservedConcurrentExecutions: args.reservedConcurrency,
        publish: true,
        environment: { variables: args.environment },
        // pino already writes JSON lines; JSON format keeps them as objects (metric filters read $.event).
        loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      },
      self,
    );
    this.alias = new aws.lambda.Alias(
      `${name}-alias`,
      { name: ALIAS, functionName: this.fn.name, functionVersion: this.fn.version },
      self,
    );
    if (args.provisionedConcurrency > 0) {
      new aws.lambda.ProvisionedConcurrencyConfig(
        `${name}-warm`,
        {
          functionName: this.fn.name,
          qualifier: this.alias.name,
          provisionedConcurrentExecutions: args.provisionedConcurrency,
        },
        self,
      );
    }
    this.registerOutputs({ functionName: this.fn.name, aliasArn: this.alias.arn });
  }
}

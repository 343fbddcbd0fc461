import type * as pulumi from "@pulumi/pulumi";
import { deployAwsFargate } from "./aws-fargate/index.ts";
import { deployGcpCloudRun } from "./gcp-cloud-run/index.ts";
import { deployKubernetes } from "./kubernetes/index.ts";
import { deployAwsLambda } from "./aws-lambda/index.ts";
import type { StackConfig, TargetConfig, TargetName } from "./config.ts";

/** What every target exports; index.ts turns these into stack outputs of the same names. */
export interface TargetOutputs {
  /** The MCP endpoint, `https://…/mcp`. */
  endpoint: pulumi.Output<string>;
  healthUrl: pulumi.Output<string>;
  /** A secret: the first API key. */
  apiKey: pulumi.Output<string>;
  /** A secret: every client's configuration for `endpoint` and `apiKey`. */
  clientConfigs: pulumi.Output<unknown>;
  /** Where the lake lives (`s3://bucket`). */
  dataLakeUrl?: pulumi.Output<string>;
  /** A console link to the server's logs. */
  logsUrl?: pulumi.Output<string>;
  /** With OAuth sign-in (auth: cognito): the hosted sign-in domain users are sent to. */
  signInUrl?: pulumi.Output<string>;
  /** Absent when the target has no dashboard or it is switched off. */
  dashboardUrl?: pulumi.Output<string>;
  /** AWS targets' outputs since the first release; scripts and runbooks read them. */
  dataLakeBucket?: pulumi.Output<string>;
  imageUri?: pulumi.Output<string>;
  logGroupName?: pulumi.Output<string>;
}

export type Deploy<T extends TargetName> = (config: TargetConfig<T>) => TargetOutputs;

/** One deploy function per target name; stacks/config.ts holds each target's config slice. */
export const TARGETS: { [T in TargetName]: Deploy<T> } = {
  "aws-fargate": deployAwsFargate,
  kubernetes: deployKubernetes,
  "aws-lambda": deployAwsLambda,
  "gcp-cloud-run": deployGcpCloudRun,
};

/** `TARGETS[config.target](config)`. TypeScript cannot tie the entry to the config's own variant: cast once here. */
export function deployTarget(config: StackConfig): TargetOutputs {
  return (TARGETS[config.target] as (c: StackConfig) => TargetOutputs)(config);
}

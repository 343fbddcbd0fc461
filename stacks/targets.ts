import { deployAwsFargate } from "./aws-fargate/index.ts";
import { deployGcpCloudRun } from "./gcp-cloud-run/index.ts";
import { deployKubernetes } from "./kubernetes/index.ts";
import { deployAwsLambda } from "./aws-lambda/index.ts";
import type { StackConfig, TargetConfig, TargetName } from "./config.ts";
import type { TargetOutputs } from "./shared/target-outputs.ts";

export type { TargetOutputs };

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

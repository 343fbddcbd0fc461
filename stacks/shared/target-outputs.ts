import type * as pulumi from "@pulumi/pulumi";

/**
 * What every target exports; index.ts turns these into stack outputs of the same names. Apart from
 * stacks/targets.ts, so that each target can name its return type without importing the table of targets.
 */
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

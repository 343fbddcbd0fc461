import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The CloudWatch console's page for a log group (the console escapes `/` in the fragment as `$252F`). */
export function logsConsoleUrl(logGroupName: pulumi.Output<string>): pulumi.Output<string> {
  const region = aws.getRegionOutput().region;
  return pulumi
    .all([region, logGroupName])
    .apply(
      ([r, g]) =>
        `https://${r}.console.aws.amazon.com/cloudwatch/home?region=${r}#logsV2:log-groups/log-group/${encodeURIComponent(g).replace(/%/g, "$25")}`,
    );
}

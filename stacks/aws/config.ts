import { z } from "zod";
import { bool, type CheckContext, int, oneOf } from "../shared/settings.ts";

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/**
 * Keys every AWS target has (aws-fargate today, aws-lambda next): the image's CPU, a Route 53 domain,
 * WAF, CloudWatch logs, alarms and dashboard. A target's slice spreads `AWS_SHAPE` into its own.
 */
export const AWS_SHAPE = {
  cpuArchitecture: oneOf(["ARM64", "X86_64"], "must be ARM64 (cheaper) or X86_64"),
  domainName: z
    .string()
    .regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/, { error: "must be a lower-case DNS name" })
    .optional(),
  hostedZoneId: z
    .string()
    .regex(/^Z[A-Z0-9]+$/, { error: "must be a Route 53 hosted zone id (Z…)" })
    .optional(),
  waf: bool,
  wafRateLimitPer5Min: int(10, 2_000_000_000),
  dashboard: bool,
  logRetentionDays: z.coerce.number().refine((v) => LOG_RETENTION_DAYS.includes(v), {
    error: `Unsupported log retention. Supported days: ${LOG_RETENTION_DAYS.join(", ")}`,
  }),
  imageRetention: int(1, 1000),
  p99LatencySeconds: int(1, 120),
};

export const AWS_DEFAULTS: Record<string, string> = {
  cpuArchitecture: "ARM64",
  waf: "true",
  wafRateLimitPer5Min: "1000",
  dashboard: "true",
  logRetentionDays: "30",
  imageRetention: "10",
  p99LatencySeconds: "45",
};

type AwsSettings = z.infer<z.ZodObject<typeof AWS_SHAPE>>;

export function checkAws(c: AwsSettings, ctx: CheckContext): void {
  if (Boolean(c.domainName) !== Boolean(c.hostedZoneId)) {
    ctx.addIssue({
      code: "custom",
      path: [c.domainName ? "hostedZoneId" : "domainName"],
      message: "domainName and hostedZoneId go together: set both (ALB with ACM) or neither (CloudFront)",
    });
  }
}

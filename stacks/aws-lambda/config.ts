import { AWS_DEFAULTS, AWS_SHAPE, checkAws } from "../aws/config.ts";
import { int, oneOf, type TargetSlice } from "../shared/settings.ts";

/** How clients reach the function. */
export const LAMBDA_ENTRIES = ["apiGateway", "functionUrl"] as const;
export type LambdaEntry = (typeof LAMBDA_ENTRIES)[number];

// imageRetention is the container targets' (ECR); the Lambda targets upload a zip.
const { imageRetention: _image, ...AWS_KEYS } = AWS_SHAPE;
const { imageRetention: _imageDefault, ...AWS_KEY_DEFAULTS } = AWS_DEFAULTS;

const shape = {
  entry: oneOf(
    LAMBDA_ENTRIES,
    "must be apiGateway (REST API, streaming, throttling, WAF, custom domain) or functionUrl (the cheapest: no throttling, no WAF)",
  ),
  /** MiB; CPU grows with it (1,769 MB = one vCPU). */
  memory: int(128, 10240),
  /** The function timeout, s: the tool deadline is set 10 s below it (stacks/shared/timeouts.ts). */
  timeoutSeconds: int(90, 900),
  /** /tmp, MiB: where the lake stages an upload before S3. */
  ephemeralStorageMiB: int(512, 10240),
  /** Instances kept warm on the `live` alias (billed while idle); 0 = none. */
  provisionedConcurrency: int(0, 1000),
  /** The most instances at once: a cost and blast-radius cap. */
  reservedConcurrency: int(1, 1000),
  /** API Gateway stage throttling: the fleet-wide steady rate (requests/s) and burst. */
  throttleRatePerSecond: int(1, 10000),
  throttleBurst: int(1, 5000),
  ...AWS_KEYS,
};

/** The `aws-lambda` target's keys: entry, function size and concurrency, API throttling, plus the AWS keys. */
export const awsLambda: TargetSlice<"aws-lambda", typeof shape> = {
  target: "aws-lambda",
  description: "AWS Lambda (Node 24, arm64, response streaming) behind an API Gateway REST API or a Function URL",
  shape,
  defaults: {
    entry: "apiGateway",
    memory: "512",
    timeoutSeconds: "120",
    ephemeralStorageMiB: "512",
    provisionedConcurrency: "0",
    reservedConcurrency: "10",
    throttleRatePerSecond: "10",
    throttleBurst: "20",
    // waf defaults to true as on every AWS target (a Function URL needs waf false; lambda-dev sets it).
    ...AWS_KEY_DEFAULTS,
  },
  check(c, ctx) {
    if (c.provisionedConcurrency > c.reservedConcurrency) {
      ctx.addIssue({
        code: "custom",
        path: ["provisionedConcurrency"],
        message: `must be ≤ reservedConcurrency (${c.reservedConcurrency}): provisioned instances count against the reserved ones`,
      });
    }
    if (c.entry === "functionUrl" && c.waf) {
      ctx.addIssue({
        code: "custom",
        path: ["waf"],
        message: "a Function URL cannot carry a WAF web ACL (only CloudFront in front could). Set waf to false, or entry to apiGateway",
      });
    }
    if (c.entry === "functionUrl" && c.domainName) {
      ctx.addIssue({
        code: "custom",
        path: ["domainName"],
        message: "a Function URL has no custom domain. Remove domainName and hostedZoneId, or set entry to apiGateway",
      });
    }
    if (c.throttleBurst < c.throttleRatePerSecond) {
      ctx.addIssue({ code: "custom", path: ["throttleBurst"], message: `must be ≥ throttleRatePerSecond (${c.throttleRatePerSecond})` });
    }
    checkAws({ ...c, imageRetention: 1 }, ctx);
  },
};

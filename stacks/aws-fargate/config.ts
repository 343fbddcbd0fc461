import { z } from "zod";
import { AWS_DEFAULTS, AWS_SHAPE, checkAws } from "../aws/config.ts";
import { bool, int, oneOf, range, type TargetSlice } from "../shared/settings.ts";

/**
 * Where Fargate tasks run. FARGATE_SPOT is spare capacity at a discount (AWS: up to 70 %), for both
 * X86_64 and ARM64 tasks on platform 1.4.0+, but AWS may reclaim a task with two minutes' notice.
 */
export const CAPACITY_PROVIDERS = ["FARGATE", "FARGATE_SPOT"] as const;
export type CapacityProvider = (typeof CAPACITY_PROVIDERS)[number];

/** Fargate's valid task sizes: CPU units → memory MiB. */
export const FARGATE_SIZES: Record<string, number[]> = {
  "256": [512, 1024, 2048],
  "512": range(1024, 4096, 1024),
  "1024": range(2048, 8192, 1024),
  "2048": range(4096, 16384, 1024),
  "4096": range(8192, 30720, 1024),
  "8192": range(16384, 61440, 4096),
  "16384": range(32768, 122880, 8192),
};

const shape = {
  cpu: z.string().refine((v) => v in FARGATE_SIZES, {
    error: `Unsupported Fargate CPU. Supported: ${Object.keys(FARGATE_SIZES).join(", ")} (units; 1024 = 1 vCPU)`,
  }),
  memory: int(512, 122880),
  containerPort: int(1024, 65535),
  minTasks: int(1, 100),
  maxTasks: int(1, 100),
  cpuTargetPercent: int(10, 90),
  requestsPerTargetPerMinute: int(10, 100000),
  natGateways: oneOf(["none", "single", "perAz"]),
  taskSubnets: oneOf(["public", "private"]),
  containerInsights: bool,
  capacityProvider: z.enum(CAPACITY_PROVIDERS, {
    error: (i) =>
      `unknown capacity provider "${String(i.input)}". Valid: FARGATE (on-demand), FARGATE_SPOT (discounted, tasks may be interrupted with 2 minutes' notice)`,
  }),
  deletionProtection: bool,
  albAccessLogs: bool,
  domainVia: oneOf(
    ["alb", "cloudfront"],
    "must be alb (ACM on an internet-facing ALB) or cloudfront (ACM in us-east-1 on CloudFront, internal ALB)",
  ),
  /** Who may call: API keys (MCP_API_KEYS), or OAuth 2.1 with a Cognito user pool the stack creates. */
  auth: oneOf(["keys", "cognito"], "must be keys (API keys) or cognito (OAuth sign-in with a Cognito user pool)"),
  /** The Cognito hosted sign-in domain prefix (`<prefix>.auth.<region>.amazoncognito.com`), unique in the region. */
  cognitoDomainPrefix: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, { error: "must be lower-case letters, digits and -, at most 63" })
    .refine((v) => !/aws|amazon|cognito/.test(v), { error: "must not contain aws, amazon or cognito (Cognito refuses them)" })
    .optional(),
  cognitoMfa: oneOf(["OFF", "OPTIONAL", "ON"], "must be OFF, OPTIONAL (users may add TOTP) or ON (TOTP required)"),
  ...AWS_SHAPE,
};

/** The `aws-fargate` target's keys: task size and count, network, load balancer, plus every AWS key. */
export const awsFargate: TargetSlice<"aws-fargate", typeof shape> = {
  target: "aws-fargate",
  description: "ECS Fargate tasks behind an Application Load Balancer (CloudFront in front without a domain)",
  shape,
  defaults: {
    auth: "keys",
    cognitoMfa: "OPTIONAL",
    cpu: "256",
    memory: "512",
    containerPort: "8080",
    minTasks: "1",
    maxTasks: "2",
    cpuTargetPercent: "60",
    requestsPerTargetPerMinute: "600",
    natGateways: "none",
    taskSubnets: "public",
    containerInsights: "true",
    capacityProvider: "FARGATE",
    deletionProtection: "false",
    albAccessLogs: "false",
    domainVia: "alb",
    ...AWS_DEFAULTS,
  },
  check(c, ctx) {
    const valid = FARGATE_SIZES[c.cpu];
    if (valid && !valid.includes(c.memory)) {
      ctx.addIssue({
        code: "custom",
        path: ["memory"],
        message: `Unsupported memory ${c.memory} MiB for cpu ${c.cpu}. Supported with cpu ${c.cpu}: ${valid.join(", ")}. All pairs: ${Object.entries(
          FARGATE_SIZES,
        )
          .map(([cpu, mem]) => `${cpu}→${mem[0]}-${mem[mem.length - 1]}`)
          .join(", ")}`,
      });
    }
    if (c.minTasks > c.maxTasks) {
      ctx.addIssue({ code: "custom", path: ["maxTasks"], message: `must be ≥ minTasks (${c.minTasks})` });
    }
    if (c.taskSubnets === "private" && c.natGateways === "none") {
      ctx.addIssue({
        code: "custom",
        path: ["taskSubnets"],
        message:
          "tasks in private subnets need a NAT gateway to pull from ECR and reach e-Stat. Set natGateways to single or perAz, or taskSubnets to public",
      });
    }
    if (c.domainVia === "cloudfront" && !c.domainName) {
      ctx.addIssue({
        code: "custom",
        path: ["domainVia"],
        message: "cloudfront serves a domain of your own: set domainName and hostedZoneId too (without a domain CloudFront is always in front)",
      });
    }
    if (c.auth === "cognito" && !c.cognitoDomainPrefix) {
      ctx.addIssue({
        code: "custom",
        path: ["cognitoDomainPrefix"],
        message: "auth cognito needs the hosted sign-in domain prefix, unique in the region (e.g. estat-mcp-dev-<your org>)",
      });
    }
    checkAws(c, ctx);
  },
};

import { z } from "zod";
import { bool, int, oneOf, needs, type Need, type TargetSlice } from "../shared/settings.ts";

/**
 * The `gcp-cloud-run` target's own config keys (`pulumi config set estat-mcp:<key>`). The project and
 * region are ours to name (not `gcp:project`): the program makes its own provider from them, so a stack
 * file says everything the deployment touches.
 */

/** Cloud Run memory limits it accepts for one vCPU (Mi). */
export const MEMORY_MIB = ["512", "1024", "2048", "4096"] as const;
export const CPUS = ["1", "2", "4"] as const;

const shape = {
  /** The Google Cloud project ID the stack deploys into. */
  gcpProject: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, {
    error: "must be a Google Cloud project ID (6–30 lower-case letters, digits, -), e.g. my-project-123",
  }),
  /** The region of the service, the bucket and the image repository. */
  gcpRegion: z.string().regex(/^[a-z]+-[a-z]+\d$/, { error: "must be a Cloud Run region such as asia-northeast1" }),
  /** 0 scales to zero when idle (dev); ≥ 1 keeps a warm instance (prod). */
  minInstances: int(0, 100),
  maxInstances: int(1, 100),
  /** Requests one instance serves at once (Cloud Run's maxInstanceRequestConcurrency). */
  concurrency: int(1, 1000),
  vcpu: oneOf(CPUS),
  memoryMiB: oneOf(MEMORY_MIB),
  /** Extra CPU while an instance starts: a shorter cold start for the first request. */
  startupCpuBoost: bool,
  /** Cloud Run refuses to delete the service while on (prod). */
  deletionProtection: bool,
  /** Images kept in Artifact Registry; older ones are deleted by its cleanup policy. */
  imageRetention: int(1, 1000),
  /** Days after which raw e-Stat pages move to Nearline storage. */
  rawToNearlineDays: int(1, 3650),
  /** Days after which overwritten or deleted object versions are removed. */
  noncurrentVersionDays: int(1, 3650),
  /** An external HTTPS load balancer (serverless NEG, managed certificate, Cloud Armor) in front: ~$18/month. */
  loadBalancer: bool,
  /** The load balancer's host name (its managed certificate's domain). */
  domainName: z.string().regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/, { error: "must be a lower-case DNS name" }).optional(),
  /** Cloud Armor's per-IP limit, requests per minute, across the fleet (with loadBalancer). */
  armorRateLimitPerMinute: int(10, 100000),
  /** A Cloud Monitoring dashboard for the stack. */
  dashboard: bool,
};

export type GcpCloudRunConfig = z.infer<z.ZodObject<typeof shape>>;

const defaults: Record<string, string> = {
  gcpRegion: "asia-northeast1",
  minInstances: "0",
  maxInstances: "3",
  concurrency: "40",
  vcpu: "1",
  memoryMiB: "512",
  startupCpuBoost: "true",
  deletionProtection: "false",
  imageRetention: "10",
  rawToNearlineDays: "30",
  noncurrentVersionDays: "30",
  loadBalancer: "false",
  armorRateLimitPerMinute: "600",
  dashboard: "true",
};

export const gcpCloudRun: TargetSlice<"gcp-cloud-run", typeof shape> = {
  target: "gcp-cloud-run",
  description: "a Cloud Run service with the lake in Cloud Storage and secrets in Secret Manager, in your Google Cloud project",
  shape,
  defaults,
  check: needs(gcpCloudRunRules),
};

/** Combinations the schema alone cannot see, each named with the key to set. */
function gcpCloudRunRules(c: GcpCloudRunConfig, need: Need): void {
  need(c.minInstances > c.maxInstances, "maxInstances", `must be ≥ minInstances (${c.minInstances})`);
  need(c.loadBalancer && !c.domainName, "domainName", "loadBalancer true needs the domain its managed certificate is for: set domainName");
  need(!c.loadBalancer && Boolean(c.domainName), "domainName", "only used with loadBalancer true");
  need(
    c.memoryMiB === "512" && c.vcpu !== "1",
    "memoryMiB",
    `Cloud Run needs at least 1024 MiB (vcpu ${c.vcpu} needs ${c.vcpu === "2" ? "1024" : "2048"}): raise memoryMiB`,
  );
  need(c.vcpu === "4" && c.memoryMiB === "1024", "memoryMiB", "vcpu 4 needs at least 2048 MiB");
}

import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { TargetConfig } from "../config.ts";
import { clientConfigs } from "../shared/client-configs.ts";
import { SERVER_SECRETS, serverEnv } from "../shared/server-env.ts";
import type { TargetOutputs } from "../shared/target-outputs.ts";
import { enableApis } from "./apis.ts";
import { ServerImage } from "./image.ts";
import { LakeBucket } from "./lake.ts";
import { ServerLoadBalancer } from "./load-balancer.ts";
import { ServiceMonitoring } from "./monitoring.ts";
import { ServerSecrets } from "./secrets.ts";
import { CONTAINER_PORT, serverService } from "./service.ts";
import { CLOUD_RUN_REQUEST_TIMEOUT_S, gcpCloudRunTimeouts } from "./timeouts.ts";

type GcpTargetConfig = TargetConfig<"gcp-cloud-run">;

const NAME = "estat-mcp";
/** Cloud Storage's S3-compatible XML API: HMAC keys, V4 signatures, region `auto`. */
export const GCS_S3_ENDPOINT = "https://storage.googleapis.com";

/**
 * The `gcp-cloud-run` target: a Cloud Run service in the configured project and region, the lake in
 * Cloud Storage, secrets in Secret Manager, Cloud Monitoring, and optionally an external HTTPS load
 * balancer with Cloud Armor. A table of contents; each part is its own module.
 */
export function deployGcpCloudRun(c: GcpTargetConfig): TargetOutputs {
  const timeouts = gcpCloudRunTimeouts();
  const project = c.gcpProject;
  const region = c.gcpRegion;
  const provider = new gcp.Provider(`${NAME}-gcp`, { project, region, defaultLabels: { app: NAME, stack: c.stack } });
  const apis = enableApis(project, c.loadBalancer ? ["compute"] : [], { provider });
  const opts = { provider, dependsOn: apis };
  const serviceName = `${NAME}-${c.stack}`.slice(0, 49).replace(/-+$/, "");

  const runtime = new gcp.serviceaccount.Account(
    `${NAME}-runtime`,
    {
      project,
      accountId: `${NAME}-run-${c.stack}`.slice(0, 30).replace(/-+$/, ""),
      displayName: `estat-mcp Cloud Run runtime (${c.stack})`,
      description: "Runs the estat-mcp service: reads its secrets, reads and writes its lake bucket, nothing else",
    },
    opts,
  );
  const lake = new LakeBucket(
    `${NAME}-lake`,
    {
      project,
      location: region,
      runtimeAccountEmail: runtime.email,
      retain: c.retainData,
      rawToNearlineDays: c.rawToNearlineDays,
      noncurrentVersionDays: c.noncurrentVersionDays,
    },
    opts,
  );
  const apiKeys = c.apiKeys ?? new random.RandomPassword(`${NAME}-api-key`, { length: 48, special: false }).result;
  // Secret IDs carry the stack: two stacks may share a project.
  const secrets = new ServerSecrets(
    `${NAME}-${c.stack}`,
    {
      project,
      values: {
        [SERVER_SECRETS.estatAppId]: c.estatAppId,
        [SERVER_SECRETS.apiKeys]: apiKeys,
        S3_ACCESS_KEY_ID: lake.hmacKey.accessId,
        S3_SECRET_ACCESS_KEY: lake.hmacKey.secret,
      },
      accessorEmail: runtime.email,
    },
    opts,
  );
  const image = new ServerImage(`${NAME}-${c.stack}`.slice(0, 63), { project, region, keep: c.imageRetention, provider }, opts);

  // The service's run.app address is deterministic (<service>-<project number>.<region>.run.app): the
  // server's ALLOWED_HOSTS and the outputs need it before the service exists.
  const projectNumber = gcp.organizations.getProjectOutput({ projectId: project }, { provider }).number;
  const runHost = pulumi.interpolate`${serviceName}-${projectNumber}.${region}.run.app`;
  const host = c.loadBalancer && c.domainName ? pulumi.output(c.domainName) : runHost;
  const { PORT: _platformSetsPort, ...env } = serverEnv({
    port: CONTAINER_PORT,
    lakeUrl: pulumi.interpolate`s3://${lake.bucket.name}`,
    allowedHosts: host,
    logLevel: c.logLevel,
    rateLimitPerMinute: c.rateLimitPerMinute,
    // Cloud Run's front end appends the client's address to X-Forwarded-For; the load balancer adds one.
    trustedProxyHops: c.loadBalancer ? 2 : 1,
    timeouts: timeouts.server,
    memoryMiB: Number(c.memoryMiB),
  });
  const service = serverService(
    NAME,
    {
      project,
      region,
      serviceName,
      image: image.imageRef,
      serviceAccountEmail: runtime.email,
      env: {
        ...env,
        S3_ENDPOINT: GCS_S3_ENDPOINT,
        AWS_REGION: "auto",
        S3_FORCE_PATH_STYLE: "true",
      },
      secrets: secrets.pinned,
      minInstances: c.minInstances,
      maxInstances: c.maxInstances,
      concurrency: c.concurrency,
      cpu: c.vcpu,
      memoryMiB: Number(c.memoryMiB),
      startupCpuBoost: c.startupCpuBoost,
      deletionProtection: c.deletionProtection,
      requestTimeoutS: CLOUD_RUN_REQUEST_TIMEOUT_S,
      internalLoadBalancerOnly: c.loadBalancer,
      // The runtime account must be able to read every secret and the bucket before a revision starts.
      dependsOn: [...apis, ...secrets.pinned.map((s) => s.accessor), lake.access],
    },
    { provider },
  );
  if (c.loadBalancer && c.domainName) {
    new ServerLoadBalancer(
      `${NAME}-lb`,
      {
        project,
        region,
        serviceName: service.name,
        domainName: c.domainName,
        ratePerMinute: c.armorRateLimitPerMinute,
        dependsOn: apis,
      },
      { provider },
    );
  }
  const monitoring = new ServiceMonitoring(
    `${NAME}-monitoring`,
    {
      project,
      serviceName: service.name,
      host,
      maxInstances: c.maxInstances,
      warm: c.minInstances > 0,
      alarmEmail: c.alarmEmail,
      dashboard: c.dashboard,
      dependsOn: apis,
    },
    { provider },
  );
  const endpoint = pulumi.interpolate`https://${host}/mcp`;
  const apiKey = pulumi.secret(pulumi.output(apiKeys).apply((k) => k.split(",")[0]));
  return {
    endpoint,
    healthUrl: pulumi.interpolate`https://${host}/healthz`,
    apiKey,
    clientConfigs: pulumi.secret(pulumi.all([endpoint, apiKey]).apply(([e, k]) => clientConfigs(e, k))),
    dataLakeUrl: lake.bucket.url,
    logsUrl: pulumi.interpolate`https://console.cloud.google.com/run/detail/${region}/${service.name}/logs?project=${project}`,
    dashboardUrl: monitoring.dashboardUrl,
    imageUri: image.imageRef,
  };
}

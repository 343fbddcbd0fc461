import assert from "node:assert/strict";
import { APP_ID, cleanRun, countByType, ofType, one, type Recorded, refusedConfig, type Run, stackFile } from "../harness.ts";
/** The project number test/stacks/record.ts answers getProject with. */
const GCP_PROJECT_NUMBER = "210987654321";
import { APIS } from "../../../stacks/gcp-cloud-run/apis.ts";
import { CLOUD_RUN_REQUEST_TIMEOUT_S, gcpCloudRunTimeouts } from "../../../stacks/gcp-cloud-run/timeouts.ts";
import { chainProblems } from "../../../stacks/shared/timeouts.ts";
import { CLIENT_NAMES } from "../../../stacks/shared/client-configs.ts";

const T = {
  api: "gcp:projects/service:Service",
  run: "gcp:cloudrunv2/service:Service",
  sa: "gcp:serviceaccount/account:Account",
  secret: "gcp:secretmanager/secret:Secret",
  version: "gcp:secretmanager/secretVersion:SecretVersion",
  accessor: "gcp:secretmanager/secretIamMember:SecretIamMember",
  bucket: "gcp:storage/bucket:Bucket",
  bucketIam: "gcp:storage/bucketIAMMember:BucketIAMMember",
  hmac: "gcp:storage/hmacKey:HmacKey",
  repo: "gcp:artifactregistry/repository:Repository",
  image: "docker-build:index:Image",
  alert: "gcp:monitoring/alertPolicy:AlertPolicy",
  uptime: "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
  logMetric: "gcp:logging/metric:Metric",
  channel: "gcp:monitoring/notificationChannel:NotificationChannel",
  dashboard: "gcp:monitoring/dashboard:Dashboard",
  neg: "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup",
  armor: "gcp:compute/securityPolicy:SecurityPolicy",
  backend: "gcp:compute/backendService:BackendService",
  cert: "gcp:compute/managedSslCertificate:ManagedSslCertificate",
  rule: "gcp:compute/globalForwardingRule:GlobalForwardingRule",
};

const service = (run: Run) => one(run, T.run);
const container = (run: Run) => service(run).inputs.template.containers[0];
const envs = (run: Run): { name: string; value?: string; valueSource?: any }[] => container(run).envs;
const plainEnv = (run: Run) => Object.fromEntries(envs(run).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
const byName = (run: Run, type: string) => Object.fromEntries(ofType(run, type).map((r) => [r.name, r]));
/** A resource registered only after every one of `deps` finished (dependsOn), by the mock's clock. */
const after = (r: Recorded, deps: Recorded[]) => deps.every((d) => d.finished < r.started);

const HOST = `estat-mcp-gcp-dev-${GCP_PROJECT_NUMBER}.asia-northeast1.run.app`;
const PROD_HOST = `estat-mcp-gcp-prod-${GCP_PROJECT_NUMBER}.asia-northeast1.run.app`;

describe("gcp-cloud-run target, dev stack (Pulumi.gcp-dev.yaml)", () => {
  let run: Run;
  before(async () => (run = await cleanRun("gcp-dev")));

  it("creates exactly this resource graph, through its own provider for the configured project and region", () => {
    const gcp = Object.fromEntries(
      Object.entries(countByType(run)).filter(([t]) => t.startsWith("gcp:") || t.startsWith("docker-build:")),
    );
    assert.deepEqual(gcp, {
      [T.image]: 1,
      [T.repo]: 1,
      [T.run]: 1,
      [T.logMetric]: 3,
      [T.alert]: 4,
      [T.dashboard]: 1,
      [T.uptime]: 1,
      [T.api]: APIS.length,
      [T.secret]: 4,
      [T.accessor]: 4,
      [T.version]: 4,
      [T.sa]: 1,
      [T.bucket]: 1,
      [T.bucketIam]: 1,
      [T.hmac]: 1,
    });
    const provider = one(run, "pulumi:providers:gcp").inputs;
    assert.equal(provider.project, "my-estat-mcp-dev");
    assert.equal(provider.region, "asia-northeast1");
  });

  it("enables each API without disabling it on destroy, and everything else waits for them", () => {
    const apis = ofType(run, T.api);
    assert.deepEqual(
      apis.map((a) => a.inputs.service).toSorted(),
      APIS.map((a) => `${a}.googleapis.com`).toSorted(),
    );
    for (const a of apis) assert.equal(a.inputs.disableOnDestroy, false, a.name);
    for (const r of run.resources.filter((x) => x.custom && x.type.startsWith("gcp:") && x.type !== T.api)) {
      assert.ok(after(r, apis), `${r.type} ${r.name} registered before the APIs were enabled`);
    }
  });

  it("runs the service as its dedicated runtime account, never the Compute default", () => {
    const sa = one(run, T.sa);
    assert.equal(sa.inputs.accountId, "estat-mcp-run-gcp-dev");
    assert.equal(service(run).inputs.template.serviceAccount, `estat-mcp-run-gcp-dev@my-estat-mcp-dev.iam.gserviceaccount.com`);
    assert.doesNotMatch(service(run).inputs.template.serviceAccount, /-compute@developer\.gserviceaccount\.com$/);
  });

  it("scales to zero with request-based billing, and the timeouts of the chain", () => {
    const s = service(run).inputs;
    assert.equal(s.scaling, undefined, "no service-level floor on top of the revision's");
    assert.deepEqual(s.template.scaling, { minInstanceCount: 0, maxInstanceCount: 2 });
    assert.equal(s.template.timeout, `${CLOUD_RUN_REQUEST_TIMEOUT_S}s`);
    assert.ok(CLOUD_RUN_REQUEST_TIMEOUT_S > 300, "not Cloud Run's 300 s default");
    assert.ok(CLOUD_RUN_REQUEST_TIMEOUT_S * 1000 > gcpCloudRunTimeouts().server.toolTimeoutMs);
    assert.equal(s.template.maxInstanceRequestConcurrency, 40);
    assert.deepEqual(container(run).resources, {
      limits: { cpu: "1", memory: "512Mi" },
      cpuIdle: true,
      startupCpuBoost: true,
    });
    assert.equal(s.deletionProtection, false);
  });

  it("is public through invokerIamDisabled (no allUsers binding), ingress from anywhere", () => {
    const s = service(run).inputs;
    assert.equal(s.invokerIamDisabled, true);
    assert.equal(s.ingress, "INGRESS_TRAFFIC_ALL");
    assert.deepEqual(
      run.resources.filter((r) => JSON.stringify(r.inputs).includes("allUsers")).map((r) => r.name),
      [],
    );
  });

  it("probes startup and liveness on /healthz on the container port; PORT is left to the platform", () => {
    const c = container(run);
    assert.deepEqual(c.ports, { name: "http1", containerPort: 8080 });
    assert.equal(c.startupProbe.httpGet.path, "/healthz");
    assert.equal(c.startupProbe.httpGet.port, 8080);
    assert.equal(c.livenessProbe.httpGet.path, "/healthz");
    assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 30, "a cold start gets 30 s or more");
    assert.ok(!envs(run).some((e) => e.name === "PORT"), "PORT is reserved on Cloud Run");
  });

  it("gives the server the lake through Cloud Storage's S3 API and the chain's timeouts", () => {
    const env = plainEnv(run);
    const chain = gcpCloudRunTimeouts().server;
    assert.equal(env.HOST, "0.0.0.0");
    assert.equal(env.DATA_LAKE, "s3://estat-mcp-lake-a1b2c3d");
    assert.equal(env.S3_ENDPOINT, "https://storage.googleapis.com");
    assert.equal(env.AWS_REGION, "auto");
    assert.equal(env.S3_FORCE_PATH_STYLE, "true");
    assert.equal(env.ALLOWED_HOSTS, HOST);
    assert.equal(env.TRUSTED_PROXY_HOPS, "1");
    assert.equal(env.SHUTDOWN_GRACE_MS, String(chain.shutdownGraceMs));
    assert.ok(chain.shutdownGraceMs < 10_000, "below Cloud Run's 10 s between SIGTERM and SIGKILL");
    assert.equal(env.TOOL_TIMEOUT_MS, String(chain.toolTimeoutMs));
    assert.equal(env.NODE_OPTIONS, "--max-old-space-size=307 --max-semi-space-size=4");
  });

  it("injects every secret from Secret Manager by pinned version, none as a plain value", () => {
    const secretEnv = envs(run).filter((e) => e.valueSource);
    assert.deepEqual(secretEnv.map((e) => e.name).toSorted(), ["ESTAT_APP_ID", "MCP_API_KEYS", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"]);
    for (const e of secretEnv) {
      assert.match(e.valueSource.secretKeyRef.secret, /^estat-mcp-gcp-dev-/);
      assert.equal(e.valueSource.secretKeyRef.version, "1", `${e.name} pinned, not latest`);
    }
    const text = JSON.stringify(plainEnv(run));
    for (const v of [APP_ID, "GeneratedKey", "mockHmacSecret", "GOOG1EMOCK"]) assert.ok(!text.includes(v), v);
    const versions = byName(run, T.version);
    assert.equal(versions["estat-mcp-gcp-dev-estat-app-id-v"].inputs.secretData, APP_ID);
    assert.equal(versions["estat-mcp-gcp-dev-s3-secret-access-key-v"].inputs.secretData, "mockHmacSecret0123456789abcdefghijklmnop");
    for (const s of ofType(run, T.secret)) assert.deepEqual(s.inputs.replication, { auto: {} });
  });

  it("grants secretAccessor on each secret to the runtime account only, before the service starts", () => {
    const member = "serviceAccount:estat-mcp-run-gcp-dev@my-estat-mcp-dev.iam.gserviceaccount.com";
    const accessors = ofType(run, T.accessor);
    assert.deepEqual(
      accessors.map((a) => a.inputs.secretId).toSorted(),
      ofType(run, T.secret).map((s) => s.inputs.secretId).toSorted(),
    );
    for (const a of accessors) {
      assert.equal(a.inputs.role, "roles/secretmanager.secretAccessor");
      assert.equal(a.inputs.member, member);
    }
    assert.ok(after(service(run), [...accessors, one(run, T.bucketIam)]), "IAM in the service's dependsOn");
  });

  it("keeps the lake private: uniform access, public access prevention, versioning, lifecycle, forceDestroy in dev", () => {
    const b = one(run, T.bucket);
    assert.equal(b.inputs.uniformBucketLevelAccess, true);
    assert.equal(b.inputs.publicAccessPrevention, "enforced");
    assert.deepEqual(b.inputs.versioning, { enabled: true });
    assert.equal(b.inputs.location, "asia-northeast1");
    assert.equal(b.inputs.forceDestroy, true);
    assert.equal(b.options.protect, false);
    assert.deepEqual(b.inputs.lifecycleRules, [
      {
        action: { type: "SetStorageClass", storageClass: "NEARLINE" },
        condition: { age: 30, matchesPrefixes: ["raw/"], matchesStorageClasses: ["STANDARD"] },
      },
      { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 30, withState: "ARCHIVED" } },
    ]);
    const iam = one(run, T.bucketIam).inputs;
    assert.deepEqual(iam, {
      bucket: "estat-mcp-lake-a1b2c3d",
      role: "roles/storage.objectUser",
      member: "serviceAccount:estat-mcp-run-gcp-dev@my-estat-mcp-dev.iam.gserviceaccount.com",
    });
    assert.equal(one(run, T.hmac).inputs.serviceAccountEmail, "estat-mcp-run-gcp-dev@my-estat-mcp-dev.iam.gserviceaccount.com");
  });

  it("builds the image for linux/amd64 into Artifact Registry with cleanup policies, and runs it by digest", () => {
    const repo = one(run, T.repo).inputs;
    assert.equal(repo.format, "DOCKER");
    assert.equal(repo.location, "asia-northeast1");
    assert.deepEqual(repo.cleanupPolicies, [
      { id: "keep-recent", action: "KEEP", mostRecentVersions: { keepCount: 10 } },
      { id: "delete-older", action: "DELETE", condition: { tagState: "ANY", olderThan: "86400s" } },
    ]);
    assert.equal(repo.cleanupPolicyDryRun, false);
    const img = one(run, T.image).inputs;
    assert.deepEqual(img.platforms, ["linux/amd64"]);
    assert.equal(img.push, true);
    assert.deepEqual(img.context, { location: "." });
    assert.deepEqual(img.dockerfile, { location: "Dockerfile" });
    assert.deepEqual(img.registries, [
      { address: "asia-northeast1-docker.pkg.dev", username: "oauth2accesstoken", password: "ya29.mock-access-token" },
    ]);
    assert.equal(
      container(run).image,
      `asia-northeast1-docker.pkg.dev/my-estat-mcp-dev/estat-mcp-gcp-dev/server@sha256:${"0".repeat(64)}`,
    );
  });

  it("monitors: four alert policies, an uptime check on /healthz every 15 min (scale to zero), log-based metrics", () => {
    const names = ofType(run, T.alert).map((a) => a.inputs.displayName);
    assert.equal(names.length, 4);
    for (const p of ["5xx", "p99", "maximum", "restarting"]) assert.ok(names.some((n) => n.includes(p)), p);
    for (const a of ofType(run, T.alert)) {
      assert.match(a.inputs.conditions[0].conditionThreshold.filter, /service_name="estat-mcp-gcp-dev"/);
      assert.deepEqual(a.inputs.notificationChannels, [], "dev has no alarmEmail");
    }
    const ratio = ofType(run, T.alert).find((a) => a.name.endsWith("5xx-ratio"))!.inputs.conditions[0].conditionThreshold;
    assert.match(ratio.filter, /response_code_class="5xx"/);
    assert.match(ratio.denominatorFilter, /run\.googleapis\.com\/request_count/);
    const atMax = ofType(run, T.alert).find((a) => a.name.endsWith("instances-at-max"))!.inputs.conditions[0].conditionThreshold;
    assert.equal(atMax.thresholdValue, 1.5);
    const uptime = one(run, T.uptime).inputs;
    assert.deepEqual(uptime.httpCheck, { path: "/healthz", port: 443, useSsl: true, validateSsl: true, requestMethod: "GET" });
    assert.deepEqual(uptime.monitoredResource, { type: "uptime_url", labels: { project_id: "my-estat-mcp-dev", host: HOST } });
    assert.equal(uptime.period, "900s");
    const metrics = byName(run, T.logMetric);
    assert.match(metrics["estat-mcp-monitoring-toolErrors"].inputs.filter, /jsonPayload\.event="tool_error"/);
    assert.match(metrics["estat-mcp-monitoring-estatFailures"].inputs.filter, /jsonPayload\.kind=\("upstream"/);
    const dash = JSON.parse(one(run, T.dashboard).inputs.dashboardJson);
    assert.equal(dash.gridLayout.widgets.length, 5);
  });

  it("outputs the run.app endpoint, health URL, lake, logs and the client configurations (secret)", () => {
    const o = run.outputs;
    assert.equal(o.endpoint, `https://${HOST}/mcp`);
    assert.equal(o.healthUrl, `https://${HOST}/healthz`);
    assert.equal(o.dataLakeUrl, "gs://estat-mcp-lake-a1b2c3d");
    assert.equal(o.logsUrl, "https://console.cloud.google.com/run/detail/asia-northeast1/estat-mcp-gcp-dev/logs?project=my-estat-mcp-dev");
    assert.match(o.dashboardUrl, /^https:\/\/console\.cloud\.google\.com\/monitoring\/dashboards\/builder\/0f1e2d3c\?project=my-estat-mcp-dev$/);
    assert.equal(o.apiKey, "GeneratedKey0123456789abcdefghijklmnopqrstuvwxyzAB".slice(0, 48));
    assert.deepEqual(Object.keys(o.clientConfigs).toSorted(), [...CLIENT_NAMES].toSorted());
    assert.equal(o.clientConfigs["claude-code"].mcpServers.estat.url, `https://${HOST}/mcp`);
    for (const k of ["apiKey", "clientConfigs"]) assert.ok(o.__secret.includes(k), k);
  });
});

describe("gcp-cloud-run target, prod stack (Pulumi.gcp-prod.yaml)", () => {
  let run: Run;
  before(async () => (run = await cleanRun("gcp-prod")));

  it("keeps a warm instance with startup CPU boost, deletion protection, and alerts to the e-mail channel", () => {
    const s = service(run).inputs;
    assert.deepEqual(s.template.scaling, { minInstanceCount: 1, maxInstanceCount: 5 });
    assert.equal(container(run).resources.startupCpuBoost, true);
    assert.equal(container(run).resources.limits.memory, "1024Mi");
    assert.equal(s.deletionProtection, true);
    const ch = one(run, T.channel).inputs;
    assert.equal(ch.type, "email");
    assert.deepEqual(ch.labels, { email_address: "ops@example.jp" });
    for (const a of ofType(run, T.alert)) assert.equal(a.inputs.notificationChannels.length, 1);
    assert.equal(one(run, T.uptime).inputs.period, "60s");
    assert.equal(run.outputs.endpoint, `https://${PROD_HOST}/mcp`);
  });

  it("retains and protects the lake bucket", () => {
    const b = one(run, T.bucket);
    assert.equal(b.inputs.forceDestroy, false);
    assert.equal(b.options.protect, true);
    assert.equal(b.options.retainOnDelete, true);
  });

  it("uses the configured API keys (not a generated one) and pins them", async () => {
    const keys = "prodKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,prodKeyBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
    const r = await cleanRun("gcp-prod", stackFile("gcp-prod"), { "estat-mcp:estatAppId": APP_ID, "estat-mcp:apiKeys": keys });
    assert.equal(ofType(r, "random:index/randomPassword:RandomPassword").length, 0);
    assert.equal(byName(r, T.version)["estat-mcp-gcp-prod-mcp-api-keys-v"].inputs.secretData, keys);
    assert.equal(r.outputs.apiKey, keys.split(",")[0]);
  });

  it("with loadBalancer: a serverless NEG, managed certificate, Cloud Armor per-IP throttle; ingress from the LB only", async () => {
    const r = await cleanRun("gcp-prod", {
      ...stackFile("gcp-prod"),
      "estat-mcp:loadBalancer": "true",
      "estat-mcp:domainName": "mcp.example.jp",
    });
    assert.equal(service(r).inputs.ingress, "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER");
    assert.equal(one(r, T.neg).inputs.networkEndpointType, "SERVERLESS");
    assert.deepEqual(one(r, T.neg).inputs.cloudRun, { service: "estat-mcp-gcp-prod" });
    assert.deepEqual(one(r, T.cert).inputs.managed, { domains: ["mcp.example.jp"] });
    const throttle = one(r, T.armor).inputs.rules.find((x: any) => x.action === "throttle");
    assert.deepEqual(throttle.rateLimitOptions, {
      conformAction: "allow",
      exceedAction: "deny(429)",
      enforceOnKey: "IP",
      rateLimitThreshold: { count: 600, intervalSec: 60 },
    });
    assert.equal(one(r, T.backend).inputs.loadBalancingScheme, "EXTERNAL_MANAGED");
    assert.equal(one(r, T.rule).inputs.portRange, "443");
    assert.ok(ofType(r, T.api).some((a) => a.inputs.service === "compute.googleapis.com"));
    assert.equal(plainEnv(r).ALLOWED_HOSTS, "mcp.example.jp");
    assert.equal(plainEnv(r).TRUSTED_PROXY_HOPS, "2");
    assert.equal(r.outputs.endpoint, "https://mcp.example.jp/mcp");
  });
});

describe("gcp-cloud-run config messages", () => {
  it("names the key to set for a load balancer without a domain, min above max, and a bad project ID", async () => {
    const message = await refusedConfig("gcp-dev", {
      "estat-mcp:loadBalancer": "true",
      "estat-mcp:minInstances": "3",
      "estat-mcp:gcpProject": "My_Project",
    });
    assert.match(message, /estat-mcp:gcpProject: must be a Google Cloud project ID/);
    assert.match(message, /pulumi config set estat-mcp:gcpProject <value>/);
  });

  it("cross-key checks name their key", async () => {
    const message = await refusedConfig("gcp-dev", { "estat-mcp:loadBalancer": "true", "estat-mcp:minInstances": "3" });
    assert.match(message, /estat-mcp:domainName: loadBalancer true needs the domain/);
    assert.match(message, /estat-mcp:maxInstances: must be ≥ minInstances \(3\)/);
  });

  it("the timeout chain holds, with the grace inside Cloud Run's 10 s and the request timeout above a call", () => {
    const c = gcpCloudRunTimeouts();
    assert.deepEqual(chainProblems(c), []);
    assert.equal(c.stopTimeoutS, 10);
    assert.equal(c.server.shutdownGraceMs, 5_000);
    assert.deepEqual(chainProblems({ ...c, platformDrain: { requestTimeoutS: 100 } }), [
      "gcp-cloud-run: the platform's request timeout (100 s) must let a whole call finish (tool deadline 100000 ms + 5000 ms)",
    ]);
    assert.deepEqual(chainProblems({ ...c, server: { ...c.server, shutdownGraceMs: 8_000 } }), [
      "gcp-cloud-run: the server's grace (8000 ms) must end before SIGKILL (stop timeout 10 s, 5000 ms to exit)",
    ]);
    assert.match(chainProblems({ ...c, platformDrain: undefined }).join("\n"), /must let a whole call finish/);
  });
});

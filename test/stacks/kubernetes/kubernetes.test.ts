import assert from "node:assert/strict";
import { APP_ID, cleanRun, countByType, one, type Run, runStack, stackFile } from "../harness.ts";
import { kubernetesTimeouts } from "../../../stacks/kubernetes/timeouts.ts";

const K = kubernetesTimeouts();

const T = {
  ns: "kubernetes:core/v1:Namespace",
  deploy: "kubernetes:apps/v1:Deployment",
  svc: "kubernetes:core/v1:Service",
  sa: "kubernetes:core/v1:ServiceAccount",
  secret: "kubernetes:core/v1:Secret",
  hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  ingress: "kubernetes:networking.k8s.io/v1:Ingress",
  route: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  external: "kubernetes:external-secrets.io/v1:ExternalSecret",
};

const podSpec = (run: Run) => one(run, T.deploy).inputs.spec.template.spec;
const server = (run: Run) => podSpec(run).containers[0];
const envOf = (run: Run) =>
  Object.fromEntries(server(run).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

describe("kubernetes target, dev stack (Pulumi.k8s-dev.yaml)", () => {
  let run: Run;
  before(async () => (run = await cleanRun("k8s-dev")));

  it("creates exactly this object graph, through its own provider", () => {
    const k8s = Object.fromEntries(Object.entries(countByType(run)).filter(([t]) => t.startsWith("kubernetes:")));
    assert.deepEqual(k8s, {
      [T.deploy]: 1,
      [T.hpa]: 1,
      [T.ns]: 1,
      [T.secret]: 1,
      [T.sa]: 1,
      [T.svc]: 1,
      [T.ingress]: 1,
      [T.netpol]: 1,
      [T.pdb]: 1,
    });
    assert.equal(one(run, "pulumi:providers:kubernetes").inputs.enableServerSideApply, "true");
  });

  it("labels the namespace so the API server enforces the restricted Pod Security Standard", () => {
    const labels = one(run, T.ns).inputs.metadata.labels;
    assert.equal(one(run, T.ns).inputs.metadata.name, stackFile("k8s-dev")["estat-mcp:namespace"]);
    assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
    assert.equal(labels["pod-security.kubernetes.io/enforce-version"], "latest");
  });

  it("runs the pods at the restricted level: non-root, read-only root, no escalation, no capabilities, RuntimeDefault", () => {
    const spec = podSpec(run);
    assert.deepEqual(spec.securityContext, {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.deepEqual(server(run).securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.equal(spec.automountServiceAccountToken, false);
    assert.deepEqual(server(run).volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]);
    assert.deepEqual(spec.volumes, [{ name: "tmp", emptyDir: { sizeLimit: "1Gi" } }]);
  });

  it("probes start and liveness on /healthz and readiness on /readyz", () => {
    const c = server(run);
    assert.equal(c.startupProbe.httpGet.path, "/healthz");
    assert.equal(c.livenessProbe.httpGet.path, "/healthz");
    assert.equal(c.readinessProbe.httpGet.path, "/readyz");
    for (const p of [c.startupProbe, c.livenessProbe, c.readinessProbe]) assert.equal(p.httpGet.port, "http");
    // The startup probe gives a cold pod 60 s before liveness may kill it.
    assert.equal(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold, 60);
  });

  it("keeps serving through preStop, then drains within terminationGracePeriodSeconds", () => {
    const spec = podSpec(run);
    const env = envOf(run);
    const pre = server(run).lifecycle.preStop.sleep.seconds;
    assert.equal(pre, K.preStopSeconds);
    assert.ok(pre >= 5, "endpoints need a few seconds to leave the ingress");
    assert.equal(Number(env.SHUTDOWN_GRACE_MS), K.chain.server.shutdownGraceMs);
    assert.ok(Number(env.SHUTDOWN_GRACE_MS) >= Number(env.TOOL_TIMEOUT_MS), "a call admitted before SIGTERM may finish");
    assert.ok(spec.terminationGracePeriodSeconds > pre + Number(env.SHUTDOWN_GRACE_MS) / 1000);
  });

  it("sets requests and a memory limit, and sizes Node's heap to the limit", () => {
    const c = server(run);
    const f = stackFile("k8s-dev");
    assert.deepEqual(c.resources, {
      requests: { cpu: f["estat-mcp:cpuRequest"] ?? "250m", memory: f["estat-mcp:memoryRequest"] ?? "512Mi" },
      limits: { memory: f["estat-mcp:memoryLimit"] ?? "512Mi" },
    });
    assert.equal(envOf(run).NODE_OPTIONS, "--max-old-space-size=307 --max-semi-space-size=4");
  });

  it("spreads pods across zones and nodes without blocking a one-node cluster", () => {
    const spread = podSpec(run).topologySpreadConstraints;
    assert.deepEqual(
      spread.map((s: any) => [s.topologyKey, s.maxSkew, s.whenUnsatisfiable]),
      [
        ["topology.kubernetes.io/zone", 1, "ScheduleAnyway"],
        ["kubernetes.io/hostname", 1, "ScheduleAnyway"],
      ],
    );
  });

  it("passes secrets only by secretKeyRef, never as plain values", () => {
    const env = envOf(run);
    assert.deepEqual(env.ESTAT_APP_ID, { secretKeyRef: { name: "estat-mcp-secrets", key: "ESTAT_APP_ID" } });
    assert.deepEqual(env.MCP_API_KEYS, { secretKeyRef: { name: "estat-mcp-secrets", key: "MCP_API_KEYS" } });
    assert.ok(!JSON.stringify(one(run, T.deploy).inputs).includes(APP_ID));
    const secret = one(run, T.secret).inputs;
    assert.equal(secret.stringData.ESTAT_APP_ID, APP_ID);
    assert.match(secret.stringData.MCP_API_KEYS, /^GeneratedKey/);
  });

  it("gives the server the env it runs with behind ingress-nginx", () => {
    const env = envOf(run);
    const f = stackFile("k8s-dev");
    assert.equal(env.HOST, "0.0.0.0");
    assert.equal(env.PORT, "8080");
    assert.equal(env.ALLOWED_HOSTS, f["estat-mcp:host"]);
    assert.equal(env.TRUSTED_PROXY_HOPS, "1");
    assert.equal(env.DATA_LAKE, `s3://${f["estat-mcp:lakeBucket"]}`);
    assert.equal(Number(env.HTTP_KEEP_ALIVE_TIMEOUT_MS), K.chain.server.keepAliveTimeoutMs);
    assert.ok(K.chain.server.keepAliveTimeoutMs > K.chain.loadBalancer!.idleTimeoutS * 1000);
  });

  it("annotates the IRSA role on the ServiceAccount, and no static keys", () => {
    const sa = one(run, T.sa).inputs;
    assert.equal(sa.metadata.annotations["eks.amazonaws.com/role-arn"], stackFile("k8s-dev")["estat-mcp:awsRoleArn"]);
    assert.equal(envOf(run).S3_ACCESS_KEY_ID, undefined);
    assert.equal(podSpec(run).serviceAccountName, sa.metadata.name);
  });

  it("exposes a ClusterIP Service on the named port", () => {
    const svc = one(run, T.svc).inputs.spec;
    assert.equal(svc.type, "ClusterIP");
    assert.deepEqual(svc.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
    assert.deepEqual(svc.selector, one(run, T.deploy).inputs.spec.selector.matchLabels);
  });

  it("autoscales on CPU between the stack's bounds and allows one voluntary disruption at a time", () => {
    const f = stackFile("k8s-dev");
    const hpa = one(run, T.hpa).inputs.spec;
    assert.equal(hpa.minReplicas, Number(f["estat-mcp:minReplicas"]));
    assert.equal(hpa.maxReplicas, Number(f["estat-mcp:maxReplicas"]));
    assert.deepEqual(hpa.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "estat-mcp" });
    assert.equal(hpa.metrics[0].resource.name, "cpu");
    assert.deepEqual(one(run, T.pdb).inputs.spec.maxUnavailable, 1);
  });

  it("admits traffic only from the ingress controller's namespace, and egress only to DNS and 443", () => {
    const np = one(run, T.netpol).inputs.spec;
    assert.deepEqual(np.policyTypes, ["Ingress", "Egress"]);
    assert.deepEqual(np.ingress, [
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }],
        ports: [{ protocol: "TCP", port: "http" }],
      },
    ]);
    assert.deepEqual(np.egress[0].ports, [
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
    ]);
    assert.deepEqual(np.egress[1], { ports: [{ protocol: "TCP", port: 443 }] });
  });

  it("routes through ingress-nginx with SSE buffering off, timeouts above the longest call, the body limit", () => {
    const ing = one(run, T.ingress).inputs;
    const a = ing.metadata.annotations;
    assert.equal(a["nginx.ingress.kubernetes.io/proxy-buffering"], "off");
    assert.equal(a["nginx.ingress.kubernetes.io/proxy-body-size"], "1024k");
    const read = Number(a["nginx.ingress.kubernetes.io/proxy-read-timeout"]);
    assert.ok(read * 1000 > Number(envOf(run).TOOL_TIMEOUT_MS), "a whole /execute call fits in one read timeout");
    assert.equal(a["nginx.ingress.kubernetes.io/proxy-send-timeout"], String(read));
    assert.equal(ing.spec.ingressClassName, "nginx");
    assert.equal(ing.spec.rules[0].host, stackFile("k8s-dev")["estat-mcp:host"]);
    assert.equal(ing.spec.tls, undefined);
  });

  it("exports the endpoint, health URL, generated key and the lake", () => {
    const host = stackFile("k8s-dev")["estat-mcp:host"];
    assert.equal(run.outputs.endpoint, `http://${host}/mcp`);
    assert.equal(run.outputs.healthUrl, `http://${host}/healthz`);
    assert.match(String(run.outputs.apiKey), /^GeneratedKey/);
    assert.ok(run.outputs.__secret.includes("apiKey"));
  });
});

describe("kubernetes target, prod stack (Pulumi.k8s-prod.yaml)", () => {
  let run: Run;
  before(async () => (run = await cleanRun("k8s-prod")));

  it("serves HTTPS with a cert-manager certificate and redirects HTTP", () => {
    const ing = one(run, T.ingress).inputs;
    const f = stackFile("k8s-prod");
    assert.equal(ing.metadata.annotations["cert-manager.io/cluster-issuer"], f["estat-mcp:certIssuer"]);
    assert.equal(ing.metadata.annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"], "true");
    assert.deepEqual(ing.spec.tls, [{ hosts: [f["estat-mcp:host"]], secretName: "estat-mcp-tls" }]);
    assert.equal(run.outputs.endpoint, `https://${f["estat-mcp:host"]}/mcp`);
  });

  it("runs at least two replicas with the prod bounds", () => {
    const f = stackFile("k8s-prod");
    assert.ok(Number(f["estat-mcp:minReplicas"]) >= 2);
    assert.equal(one(run, T.hpa).inputs.spec.minReplicas, Number(f["estat-mcp:minReplicas"]));
    // The autoscaler owns the count: a replicas field would be reset on every apply.
    assert.equal(one(run, T.deploy).inputs.spec.replicas, undefined);
    assert.equal(one(run, T.hpa).inputs.spec.maxReplicas, Number(f["estat-mcp:maxReplicas"]));
  });
});

describe("kubernetes target, choices", () => {
  const base = () => stackFile("k8s-dev");

  it("attaches an HTTPRoute to the configured Gateway instead of an Ingress", async () => {
    const run = await cleanRun("k8s-dev", {
      ...base(),
      "estat-mcp:entry": "gateway",
      "estat-mcp:gatewayName": "public",
      "estat-mcp:gatewayNamespace": "gateway-system",
      "estat-mcp:ingressNamespace": "gateway-system",
    });
    assert.equal(run.resources.filter((r) => r.type === T.ingress).length, 0);
    const route = one(run, T.route).inputs;
    assert.deepEqual(route.spec.parentRefs, [{ name: "public", namespace: "gateway-system" }]);
    assert.deepEqual(route.spec.rules[0].backendRefs, [{ name: "estat-mcp", port: 80 }]);
    assert.ok(Number.parseInt(route.spec.rules[0].timeouts.request, 10) * 1000 > K.chain.server.toolTimeoutMs);
    assert.equal(
      one(run, T.netpol).inputs.spec.ingress[0].from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"],
      "gateway-system",
    );
  });

  it("syncs the Secret through External Secrets and renders no Secret of its own", async () => {
    const run = await cleanRun("k8s-dev", {
      ...base(),
      "estat-mcp:secretSource": "external-secrets",
      "estat-mcp:externalSecretStore": "aws-secrets",
      "estat-mcp:externalSecretAppIdKey": "estat/appId",
      "estat-mcp:externalSecretApiKeysKey": "estat/apiKeys",
    });
    assert.equal(run.resources.filter((r) => r.type === T.secret).length, 0);
    const es = one(run, T.external).inputs;
    assert.deepEqual(es.spec.secretStoreRef, { name: "aws-secrets", kind: "ClusterSecretStore" });
    assert.deepEqual(es.spec.data, [
      { secretKey: "ESTAT_APP_ID", remoteRef: { key: "estat/appId" } },
      { secretKey: "MCP_API_KEYS", remoteRef: { key: "estat/apiKeys" } },
    ]);
    assert.equal(envOf(run).ESTAT_APP_ID.secretKeyRef.name, "estat-mcp-secrets");
    assert.ok(!JSON.stringify(run.resources).includes(APP_ID));
  });

  it("reads static S3 keys from the Secret for an S3-compatible endpoint, and opens its port", async () => {
    const run = await cleanRun(
      "k8s-dev",
      {
        ...base(),
        "estat-mcp:identity": "static-keys",
        "estat-mcp:awsRoleArn": "",
        "estat-mcp:s3Endpoint": "http://minio.storage.svc:9000",
      },
      { "estat-mcp:estatAppId": APP_ID, "estat-mcp:s3AccessKeyId": "AKIAEXAMPLE", "estat-mcp:s3SecretAccessKey": "s3-secret-value" },
    );
    const env = envOf(run);
    assert.deepEqual(env.S3_SECRET_ACCESS_KEY, { secretKeyRef: { name: "estat-mcp-secrets", key: "S3_SECRET_ACCESS_KEY" } });
    assert.equal(env.S3_ENDPOINT, "http://minio.storage.svc:9000");
    assert.equal(one(run, T.secret).inputs.stringData.S3_SECRET_ACCESS_KEY, "s3-secret-value");
    assert.deepEqual(one(run, T.netpol).inputs.spec.egress[1].ports, [
      { protocol: "TCP", port: 443 },
      { protocol: "TCP", port: 9000 },
    ]);
  });

  for (const [what, overrides, message] of [
    ["a latest image tag", { "estat-mcp:image": "ghcr.io/example/estat-mcp:latest" }, /image: must not use the latest tag/],
    ["an ingress without a host", { "estat-mcp:host": "" }, /host: entry ingress needs the public host name/],
    ["IRSA without a role", { "estat-mcp:awsRoleArn": "" }, /awsRoleArn: identity irsa needs the IAM role ARN/],
    ["a gateway without its name", { "estat-mcp:entry": "gateway" }, /gatewayName: entry gateway needs gatewayName/],
    ["a misspelt key", { "estat-mcp:replicas": "3" }, /replicas: unknown key/],
  ] as const) {
    it(`refuses ${what} with the key to set`, async () => {
      const run = await runStack("k8s-dev", { ...base(), ...overrides });
      assert.match(run.errors.join("\n"), message);
      assert.equal(run.resources.filter((r) => r.type.startsWith("kubernetes:")).length, 0);
    });
  }
});

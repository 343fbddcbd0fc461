// Every Kubernetes object the program declares, and every manifest `npm run k8s:render` writes, is
// checked against the Kubernetes API schemas (kubernetes-models 5.1: Kubernetes 1.34; Gateway API v1).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { parseAllDocuments } from "yaml";
import { APP_ID, cleanRun, type Run, runStack, stackFile } from "../harness.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** The schema of each kind the target writes; an object of any other kind fails the test. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  Namespace,
  ServiceAccount,
  Secret,
  Service,
  Deployment,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
  NetworkPolicy,
  Ingress,
  HTTPRoute,
};

function validate(o: Record<string, any>): void {
  const Model = MODELS[o.kind];
  assert.ok(Model, `no schema for kind ${o.kind}`);
  new Model(o).validate();
}

const kubeObjects = (run: Run) => run.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.inputs);

async function render(stack: string): Promise<{ docs: Record<string, any>[]; text: string; stdout: string }> {
  const out = mkdtempSync(join(tmpdir(), "k8s-render-"));
  const { stdout } = await promisify(execFile)(process.execPath, ["scripts/k8s-render.ts", "--stack", stack, "--out", out], {
    cwd: root,
  });
  const text = readFileSync(join(out, "estat-mcp.yaml"), "utf8");
  return { docs: parseAllDocuments(text).map((d) => d.toJSON()), text, stdout };
}

describe("kubernetes objects against the API schemas (kubernetes-models)", () => {
  it("the schemas are live: a Deployment with replicas as text is refused", () => {
    assert.throws(
      () => validate({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { replicas: "2", selector: {}, template: {} } }),
      /replicas must be integer/,
    );
  });

  for (const [label, stack, config] of [
    ["dev", "k8s-dev", undefined],
    ["prod", "k8s-prod", undefined],
    [
      "dev with a Gateway API HTTPRoute",
      "k8s-dev",
      { ...stackFile("k8s-dev"), "estat-mcp:entry": "gateway", "estat-mcp:gatewayName": "public" },
    ],
  ] as const) {
    it(`validates every object of ${label}`, async () => {
      const run = await cleanRun(stack, config);
      const objects = kubeObjects(run);
      assert.ok(objects.length >= 9);
      for (const o of objects) validate(o);
    });
  }
});

describe("npm run k8s:render (scripts/k8s-render.ts)", () => {
  for (const stack of ["k8s-dev", "k8s-prod"]) {
    it(`writes ${stack}'s objects as valid manifests, never a secret, and the committed copy is current`, async () => {
      const { docs, text, stdout } = await render(stack);
      for (const d of docs) validate(d);
      assert.deepEqual(
        docs.map((d) => d.kind),
        ["Namespace", "ServiceAccount", "Service", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Ingress"],
      );
      // The pods read a Secret the user makes; no Secret object, no secret value.
      assert.ok(!text.includes(APP_ID));
      assert.ok(!/kind: Secret\b/.test(text));
      assert.match(stdout, /kubectl -n estat-mcp(-dev)? create secret generic estat-mcp-secrets/);
      // The same objects the program declares for that stack with an existing Secret.
      const run = await runStack(stack, {
        ...stackFile(stack),
        "estat-mcp:secretSource": "existing",
        "estat-mcp:existingSecretName": "estat-mcp-secrets",
      });
      const declared = kubeObjects(run);
      assert.deepEqual(docs, JSON.parse(JSON.stringify(declared.sort((a, b) => order(a) - order(b)))));
      assert.equal(readFileSync(join(root, "deploy", "kubernetes", stack, "estat-mcp.yaml"), "utf8"), text);
    });
  }

  it("refuses a stack that is not a kubernetes one, in one line", async () => {
    await assert.rejects(
      promisify(execFile)(process.execPath, ["scripts/k8s-render.ts", "--stack", "dev"], { cwd: root }),
      (e: { stderr: string }) => e.stderr === "k8s:render: Pulumi.dev.yaml is not a kubernetes stack (target: aws-fargate)\n",
    );
  });
});

const ORDER = ["Namespace", "ServiceAccount", "Secret", "ExternalSecret", "Service", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Ingress", "HTTPRoute"];
const order = (o: Record<string, any>) => ORDER.indexOf(o.kind);

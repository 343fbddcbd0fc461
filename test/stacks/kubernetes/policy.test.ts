import assert from "node:assert/strict";
import type { StackValidationArgs } from "@pulumi/policy";
import { resourcePolicies, stackPolicies } from "../../../policy/rules/kubernetes.js";
import { changedCopy, one, type Run, runStack, stackFile } from "../harness.ts";
import { policyResources, ruleViolations } from "../policy-check.ts";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

const violations = (rule: string, type: string, props: Record<string, any>) =>
  ruleViolations(resourcePolicies, rule, type, props);

function stackViolations(run: Run, change?: (resources: ReturnType<typeof policyResources>) => void): string[] {
  const found: string[] = [];
  const resources = policyResources(run);
  change?.(resources);
  for (const p of stackPolicies) (p.validateStack as any)({ resources } as unknown as StackValidationArgs, (m: string) => found.push(`${p.name}: ${m}`));
  return found;
}

/** The dev stack's Deployment inputs, changed by `edit` (a deep copy). */
async function deployment(edit: (d: any) => void): Promise<Record<string, any>> {
  return changedCopy(one(await runStack("k8s-dev"), DEPLOYMENT).inputs, edit);
}
const container = (d: any) => d.spec.template.spec.containers[0];

describe("policy pack (policy/rules/kubernetes.js)", () => {
  for (const [label, run] of [
    ["k8s-dev", () => runStack("k8s-dev")],
    ["k8s-prod", () => runStack("k8s-prod")],
    ["k8s-dev with an HTTPRoute", () => runStack("k8s-dev", { ...stackFile("k8s-dev"), "estat-mcp:entry": "gateway", "estat-mcp:gatewayName": "public" })],
  ] as const) {
    it(`passes every rule over the ${label} stack, and the rules see its objects`, async () => {
      const r = await run();
      const found: string[] = [];
      for (const res of policyResources(r)) {
        for (const p of resourcePolicies) (p.validateResource as any)({ ...res }, (m: string) => found.push(`${p.name} ${res.name}: ${m}`));
      }
      assert.deepEqual([...found, ...stackViolations(r)], []);
      assert.ok(r.resources.some((x) => x.type === DEPLOYMENT) && r.resources.some((x) => x.type.endsWith(":NetworkPolicy")));
    });
  }

  describe("each rule fails on a bad object", () => {
    it("k8s-namespace-restricted: a namespace that enforces baseline", () => {
      assert.deepEqual(
        violations("k8s-namespace-restricted", "kubernetes:core/v1:Namespace", {
          metadata: { labels: { "pod-security.kubernetes.io/enforce": "baseline" } },
        }),
        ['the namespace enforces "baseline", not restricted'],
      );
    });

    it("k8s-pod-restricted: root, escalation, capabilities, seccomp, writable root, host namespaces and paths", async () => {
      const d = await deployment((d) => {
        const s = d.spec.template.spec;
        s.hostNetwork = true;
        s.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } });
        s.securityContext = {};
        container(d).securityContext = { privileged: true, runAsUser: 0, capabilities: { add: ["SYS_ADMIN"] } };
      });
      assert.deepEqual(violations("k8s-pod-restricted", DEPLOYMENT, d), [
        "the pod sets hostNetwork",
        "volume docker is a hostPath",
        "container server is privileged",
        "container server may escalate privileges (allowPrivilegeEscalation is not false)",
        "container server may run as root",
        "container server runs as uid 0",
        "container server has no RuntimeDefault seccomp profile",
        "container server does not drop ALL capabilities",
        "container server adds capabilities: SYS_ADMIN",
        "container server has a writable root filesystem",
      ]);
    });

    it("k8s-probes: a container without readiness and startup probes", async () => {
      const d = await deployment((d) => {
        delete container(d).readinessProbe;
        delete container(d).startupProbe;
      });
      assert.deepEqual(violations("k8s-probes", DEPLOYMENT, d), [
        "container server has no startupProbe",
        "container server has no readinessProbe",
      ]);
    });

    it("k8s-resources: no CPU request, no memory limit", async () => {
      const d = await deployment((d) => {
        delete container(d).resources.requests.cpu;
        delete container(d).resources.limits;
      });
      assert.deepEqual(violations("k8s-resources", DEPLOYMENT, d), [
        "container server requests no CPU",
        "container server has no memory limit",
      ]);
    });

    for (const image of ["ghcr.io/example/estat-mcp:latest", "ghcr.io/example/estat-mcp", "localhost:5000/estat-mcp"]) {
      it(`k8s-image-pinned: ${image}`, async () => {
        const d = await deployment((d) => (container(d).image = image));
        assert.deepEqual(violations("k8s-image-pinned", DEPLOYMENT, d), [`container server runs ${image}: pin a tag or digest`]);
      });
    }

    it("k8s-image-pinned: a registry port is not a tag, a digest is a pin", async () => {
      const pinned = await deployment((d) => (container(d).image = `localhost:5000/estat-mcp@sha256:${"a".repeat(64)}`));
      assert.deepEqual(violations("k8s-image-pinned", DEPLOYMENT, pinned), []);
    });

    it("k8s-secret-env-by-reference: the appId as a plain value", async () => {
      const d = await deployment((d) => container(d).env.push({ name: "ESTAT_APP_ID", value: "0123" }));
      assert.deepEqual(violations("k8s-secret-env-by-reference", DEPLOYMENT, d), [
        "container server sets ESTAT_APP_ID in plain text",
      ]);
    });

    it("k8s-network-policy: a Deployment no NetworkPolicy selects, or one over ingress only", async () => {
      const r = await runStack("k8s-dev");
      const np = (rs: ReturnType<typeof policyResources>) => rs.find((x) => x.type.endsWith(":NetworkPolicy"))!;
      assert.deepEqual(
        stackViolations(r, (rs) => (np(rs).props.spec.podSelector.matchLabels = { app: "other" })),
        ["k8s-network-policy: Deployment estat-mcp has no NetworkPolicy over both ingress and egress"],
      );
      assert.deepEqual(
        stackViolations(r, (rs) => (np(rs).props.spec.policyTypes = ["Ingress"])),
        ["k8s-network-policy: Deployment estat-mcp has no NetworkPolicy over both ingress and egress"],
      );
    });
  });
});

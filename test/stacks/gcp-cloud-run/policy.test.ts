import assert from "node:assert/strict";
import { isProdStack, resourcePolicies } from "../../../policy/rules/gcp.js";
import { cleanRun, type Run } from "../harness.ts";
import { policyResources, ruleViolations } from "../policy-check.ts";

const BUCKET = "gcp:storage/bucket:Bucket";
const MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember";
const SERVICE = "gcp:cloudrunv2/service:Service";

const violations = (rule: string, type: string, props: Record<string, any>, stack = "gcp-dev") =>
  ruleViolations(resourcePolicies, rule, type, props, { stack, name: "x" });

const goodBucket = { uniformBucketLevelAccess: true, publicAccessPrevention: "enforced", forceDestroy: false };
const env = (envs: object[], extra: object = {}) => ({
  deletionProtection: true,
  template: { serviceAccount: "estat-mcp-run@p.iam.gserviceaccount.com", containers: [{ envs }], ...extra },
});
const pinned = { name: "ESTAT_APP_ID", valueSource: { secretKeyRef: { secret: "s", version: "3" } } };

describe("policy pack (policy/rules/gcp.js)", () => {
  for (const stack of ["gcp-dev", "gcp-prod"]) {
    describe(`over every resource of the ${stack} stack`, () => {
      let run: Run;
      before(async () => (run = await cleanRun(stack)));
      for (const policy of resourcePolicies) {
        it(`${policy.name} passes`, () => {
          const found: string[] = [];
          for (const r of policyResources(run)) {
            const args = { ...r, urn: r.urn.replace("urn:pulumi:test::", `urn:pulumi:${stack}::`) };
            (policy.validateResource as any)(args, (m: string) => found.push(`${r.name}: ${m}`));
          }
          assert.deepEqual(found, []);
        });
      }
      it("sees the resources the rules are about", () => {
        const types = new Set(policyResources(run).map((r) => r.type));
        for (const t of [BUCKET, MEMBER, SERVICE]) assert.ok(types.has(t), t);
      });
    });
  }

  it("gcs-no-public-members: allUsers and allAuthenticatedUsers are refused on members, bindings and policies", () => {
    assert.deepEqual(violations("gcs-no-public-members", MEMBER, { member: "serviceAccount:a@p.iam.gserviceaccount.com" }), []);
    assert.equal(violations("gcs-no-public-members", MEMBER, { member: "allUsers" }).length, 1);
    assert.equal(
      violations("gcs-no-public-members", "gcp:storage/bucketIAMBinding:BucketIAMBinding", { members: ["allAuthenticatedUsers"] }).length,
      1,
    );
    assert.equal(
      violations("gcs-no-public-members", "gcp:storage/bucketIAMPolicy:BucketIAMPolicy", {
        policyData: JSON.stringify({ bindings: [{ role: "roles/storage.objectViewer", members: ["allUsers"] }] }),
      }).length,
      1,
    );
  });

  it("gcs-uniform-access and gcs-public-access-prevention", () => {
    assert.deepEqual(violations("gcs-uniform-access", BUCKET, goodBucket), []);
    assert.equal(violations("gcs-uniform-access", BUCKET, { ...goodBucket, uniformBucketLevelAccess: false }).length, 1);
    assert.deepEqual(violations("gcs-public-access-prevention", BUCKET, goodBucket), []);
    assert.deepEqual(violations("gcs-public-access-prevention", BUCKET, { ...goodBucket, publicAccessPrevention: "inherited" }), [
      'publicAccessPrevention is "inherited": set "enforced".',
    ]);
  });

  it("cloud-run-secrets-pinned: latest, no version, or a secret as a plain value are refused", () => {
    assert.deepEqual(violations("cloud-run-secrets-pinned", SERVICE, env([pinned, { name: "LOG_LEVEL", value: "info" }])), []);
    const latest = { ...pinned, valueSource: { secretKeyRef: { secret: "s", version: "latest" } } };
    assert.equal(violations("cloud-run-secrets-pinned", SERVICE, env([latest])).length, 1);
    assert.equal(violations("cloud-run-secrets-pinned", SERVICE, env([{ name: "X", valueSource: { secretKeyRef: { secret: "s" } } }])).length, 1);
    assert.deepEqual(violations("cloud-run-secrets-pinned", SERVICE, env([{ name: "MCP_API_KEYS", value: "k" }])), [
      "Env MCP_API_KEYS is a plain value: read it from Secret Manager (valueSource.secretKeyRef).",
    ]);
  });

  it("cloud-run-dedicated-account: unset or the Compute default account is refused", () => {
    assert.deepEqual(violations("cloud-run-dedicated-account", SERVICE, env([])), []);
    assert.equal(violations("cloud-run-dedicated-account", SERVICE, { template: { containers: [] } }).length, 1);
    assert.equal(
      violations("cloud-run-dedicated-account", SERVICE, env([], { serviceAccount: "123456-compute@developer.gserviceaccount.com" })).length,
      1,
    );
  });

  it("gcp-prod-deletion-protection: prod stacks only", () => {
    assert.ok(isProdStack("urn:pulumi:gcp-prod::estat-mcp::t::n") && isProdStack("urn:pulumi:prod::estat-mcp::t::n"));
    assert.ok(!isProdStack("urn:pulumi:gcp-dev::estat-mcp::t::n") && !isProdStack("urn:pulumi:production-test::e::t::n"));
    const off = { ...env([]), deletionProtection: false };
    assert.deepEqual(violations("gcp-prod-deletion-protection", SERVICE, off, "gcp-dev"), []);
    assert.equal(violations("gcp-prod-deletion-protection", SERVICE, off, "gcp-prod").length, 1);
    assert.equal(violations("gcp-prod-deletion-protection", BUCKET, { ...goodBucket, forceDestroy: true }, "gcp-prod").length, 1);
    assert.deepEqual(violations("gcp-prod-deletion-protection", BUCKET, goodBucket, "gcp-prod"), []);
  });
});

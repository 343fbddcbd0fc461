import assert from "node:assert/strict";
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { Recorded, Run } from "./harness.ts";

/** A resource as CrossGuard hands it to `validateStack` (stack `test`): props are its inputs. */
export function policyResource(
  type: string,
  name: string,
  props: Record<string, any>,
  deps: Record<string, PolicyResource[]> = {},
): PolicyResource {
  return {
    type,
    name,
    urn: `urn:pulumi:test::estat-mcp::${type}::${name}`,
    props,
    opts: {},
    dependencies: [],
    propertyDependencies: deps,
  } as unknown as PolicyResource;
}

/**
 * The recorded resources as CrossGuard sees them in `validateStack`: props are the inputs, and each
 * property depends on the resources whose id or ARN its value carries.
 */
export function policyResources(run: Run): PolicyResource[] {
  const custom = run.resources.filter((r) => r.custom);
  const out = custom.map((r) => policyResource(r.type, r.name, r.inputs));
  const carries = (text: string, x: Recorded) =>
    text.includes(`"${x.id}"`) ||
    (x.state.arn && text.includes(x.state.arn)) ||
    // Lambda inputs name a function by its name (functionName, function), as Pulumi tracks them.
    (x.type === "aws:lambda/function:Function" && text.includes(`"${x.state.name}"`));
  custom.forEach((r, i) => {
    for (const [prop, value] of Object.entries(r.inputs)) {
      const text = JSON.stringify(value);
      const deps = custom.flatMap((x, j) => (j !== i && carries(text, x) ? [out[j]] : []));
      if (deps.length) out[i].propertyDependencies[prop] = deps;
    }
  });
  return out;
}

/**
 * What resource rule `rule` of `policies` reports for one resource of `type` with `props`, as
 * `validateResource` sees it (urn in stack `stack`, named `name`).
 */
export function ruleViolations(
  policies: readonly ResourceValidationPolicy[],
  rule: string,
  type: string,
  props: Record<string, any>,
  { stack = "test", name = "bad" } = {},
): string[] {
  const policy = policies.find((p) => p.name === rule);
  assert.ok(policy, `no rule ${rule}`);
  const found: string[] = [];
  const args = { type, props, urn: `urn:pulumi:${stack}::estat-mcp::${type}::${name}`, name };
  (policy.validateResource as any)(args as unknown as ResourceValidationArgs, (m: string) => found.push(m));
  return found;
}

/** What stack rule `rule` of `policies` reports over `resources`. */
export function stackRuleViolations(
  policies: readonly StackValidationPolicy[],
  rule: string,
  resources: PolicyResource[],
): string[] {
  const policy = policies.find((p) => p.name === rule);
  assert.ok(policy, `no rule ${rule}`);
  const found: string[] = [];
  (policy.validateStack as any)({ resources } as unknown as StackValidationArgs, (m: string) => found.push(m));
  return found;
}

/**
 * In the enclosing describe: records the stack `load` runs (which must report no errors) and adds one
 * test per rule, each passing when the rule finds nothing over every resource. Returns the holder of
 * those resources for the describe's own tests (filled by the before hook).
 */
export function everyRulePasses(
  load: () => Promise<Run>,
  resourcePolicies: readonly ResourceValidationPolicy[],
  stackPolicies: readonly StackValidationPolicy[],
): { resources: PolicyResource[] } {
  const recorded = { resources: [] as PolicyResource[] };
  before(async () => {
    const run = await load();
    assert.deepEqual(run.errors, []);
    recorded.resources = policyResources(run);
  });
  for (const policy of resourcePolicies) {
    it(`${policy.name} passes`, () => {
      const found: string[] = [];
      for (const r of recorded.resources) {
        (policy.validateResource as any)(r, (m: string) => found.push(`${r.name}: ${m}`));
      }
      assert.deepEqual(found, []);
    });
  }
  for (const policy of stackPolicies) {
    it(`${policy.name} passes`, () => {
      assert.deepEqual(stackRuleViolations(stackPolicies, policy.name, recorded.resources), []);
    });
  }
  return recorded;
}

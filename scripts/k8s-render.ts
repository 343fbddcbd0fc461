/**
 * npm run k8s:render -- [--stack k8s-prod] [--out DIR]
 *
 * Writes the kubernetes target's objects as plain YAML manifests, for `kubectl apply -f` or a GitOps
 * tool, without the Pulumi CLI or a cluster: the Pulumi program runs under Pulumi's own test mocks
 * with the stack's committed config, and every Kubernetes object it declares is written exactly as the
 * program builds it. Secrets are never rendered: the manifests read a Secret you create yourself (the
 * command is printed), whatever `secretSource` the stack file says.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parse, stringify } from "yaml";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: { stack: { type: "string", default: "k8s-dev" }, out: { type: "string" }, quiet: { type: "boolean" } },
});
const stack = values.stack ?? "k8s-dev";
const out = resolve(values.out ?? join(root, "deploy", "kubernetes", stack));

function fail(message: string): never {
  process.stderr.write(`k8s:render: ${message}\n`);
  process.exit(2);
}

let file: { config?: Record<string, unknown> };
try {
  file = parse(readFileSync(join(root, `Pulumi.${stack}.yaml`), "utf8")) ?? {};
} catch {
  fail(`no Pulumi.${stack}.yaml in ${root}. Stacks with target kubernetes: Pulumi.k8s-dev.yaml, Pulumi.k8s-prod.yaml`);
}
const config: Record<string, string> = {};
for (const [k, v] of Object.entries(file.config ?? {})) {
  if (typeof v !== "object") config[k] = String(v);
}
if (config["estat-mcp:target"] !== "kubernetes") fail(`Pulumi.${stack}.yaml is not a kubernetes stack (target: ${config["estat-mcp:target"]})`);
const secretName = config["estat-mcp:existingSecretName"] ?? "estat-mcp-secrets";
const namespace = config["estat-mcp:namespace"] ?? "estat-mcp";
if (config["estat-mcp:secretSource"] !== "external-secrets") {
  config["estat-mcp:secretSource"] = "existing";
  config["estat-mcp:existingSecretName"] = secretName;
}
// The program requires the appId as secret config; with an existing Secret it is never used or written.
const placeholder = "k8s-render-does-not-use-secrets";
process.env.PULUMI_CONFIG = JSON.stringify({ ...config, "estat-mcp:estatAppId": placeholder });
process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(["estat-mcp:estatAppId"]);

const pulumi = await import("@pulumi/pulumi");
const objects: Record<string, unknown>[] = [];
pulumi.runtime.setMocks(
  {
    async newResource(args) {
      if (args.type.startsWith("kubernetes:") && args.custom !== false) objects.push(args.inputs);
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call(args) {
      throw new Error(`k8s:render does not mock ${args.token}`);
    },
  },
  "estat-mcp",
  stack,
  false,
);
const failures: string[] = [];
process.on("unhandledRejection", (e) => failures.push(String((e as Error)?.message ?? e)));
try {
  await import(join(root, "index.ts"));
} catch (e) {
  failures.push(String((e as Error)?.message ?? e));
}
for (let last = -1; last !== objects.length; ) {
  last = objects.length;
  await new Promise((r) => setTimeout(r, 200));
}
if (failures.length > 0) fail(failures.join("\n"));

/** Apply order: what others refer to first. */
const ORDER = ["Namespace", "ServiceAccount", "Secret", "ExternalSecret", "Service", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Ingress", "HTTPRoute"];
const rank = (o: Record<string, unknown>) => {
  const i = ORDER.indexOf(String(o.kind));
  return i < 0 ? ORDER.length : i;
};
objects.sort((a, b) => rank(a) - rank(b));
const manifests = objects.map(strip);
const text = [
  `# Rendered by \`npm run k8s:render -- --stack ${stack}\` from Pulumi.${stack}.yaml: do not edit; render again.`,
  `# The pods read ESTAT_APP_ID and MCP_API_KEYS from the Secret "${secretName}", which is not rendered.`,
  ...manifests.map((m) => `---\n${stringify(m, { lineWidth: 0 })}`),
].join("\n");
if (text.includes(placeholder)) fail("a secret placeholder reached the manifests");
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "estat-mcp.yaml"), text);
if (!values.quiet) {
  process.stdout.write(
    `Wrote ${manifests.length} objects to ${join(out, "estat-mcp.yaml")}.\n` +
      (config["estat-mcp:secretSource"] === "existing"
        ? `Apply them, then create the Secret the pods wait for (they start once it exists):\n` +
          `  kubectl apply -f ${join(out, "estat-mcp.yaml")}\n` +
          `  kubectl -n ${namespace} create secret generic ${secretName} --from-literal=ESTAT_APP_ID=<your appId> --from-literal=MCP_API_KEYS=<a key from npm run keygen>\n`
        : ""),
  );
}
process.exit(0);

/** Drop what Pulumi adds for its own bookkeeping and empty values, keeping the object as the API reads it. */
function strip(v: unknown): any {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined && x !== null)
        .map(([k, x]) => [k, strip(x)]),
    );
  }
  return v;
}

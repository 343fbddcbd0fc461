// @ts-check
/**
 * CrossGuard rules for the Kubernetes objects the program creates: the Pod Security Standards'
 * restricted level, probes, resources, pinned images, secrets by reference, and a NetworkPolicy over
 * every workload.
 */
import { asArray, rule, stackRule } from "./common.js";

const T = {
  namespace: "kubernetes:core/v1:Namespace",
  deployment: "kubernetes:apps/v1:Deployment",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
};

/** Env vars that carry secrets: only ever from a Secret (`valueFrom`), never a plain value in the spec. */
export const SECRET_ENV = ["ESTAT_APP_ID", "MCP_API_KEYS", "MCP_API_KEY", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"];

/** @param {Record<string, any>} p @returns {Record<string, any>[]} */
const containersOf = (p) => [...asArray(p.spec?.template?.spec?.containers), ...asArray(p.spec?.template?.spec?.initContainers)];

/** @type {import("@pulumi/policy").ResourceValidationPolicy[]} */
export const resourcePolicies = [
  rule(
    "k8s-namespace-restricted",
    "Namespaces enforce the restricted Pod Security Standard (pod-security.kubernetes.io/enforce: restricted).",
    [T.namespace],
    (p, report) => {
      const level = p.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
      if (level !== "restricted") report(`the namespace enforces "${level ?? "nothing"}", not restricted`);
    },
  ),
  rule(
    "k8s-pod-restricted",
    "Pods meet the restricted Pod Security Standard: non-root, RuntimeDefault seccomp, no privilege escalation, all capabilities dropped, no host namespaces or host paths; and a read-only root.",
    [T.deployment],
    (p, report) => {
      const pod = p.spec?.template?.spec ?? {};
      for (const host of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[host]) report(`the pod sets ${host}`);
      for (const v of asArray(pod.volumes)) if (v.hostPath) report(`volume ${v.name} is a hostPath`);
      const podNonRoot = pod.securityContext?.runAsNonRoot === true;
      const podSeccomp = pod.securityContext?.seccompProfile?.type;
      for (const c of containersOf(p)) {
        const s = c.securityContext ?? {};
        const name = `container ${c.name}`;
        if (s.privileged) report(`${name} is privileged`);
        if (s.allowPrivilegeEscalation !== false) report(`${name} may escalate privileges (allowPrivilegeEscalation is not false)`);
        if (!(s.runAsNonRoot === true || (podNonRoot && s.runAsNonRoot !== false))) report(`${name} may run as root`);
        if (s.runAsUser === 0) report(`${name} runs as uid 0`);
        const seccomp = s.seccompProfile?.type ?? podSeccomp;
        if (!["RuntimeDefault", "Localhost"].includes(seccomp)) report(`${name} has no RuntimeDefault seccomp profile`);
        const drop = asArray(s.capabilities?.drop);
        if (!drop.includes("ALL")) report(`${name} does not drop ALL capabilities`);
        const add = asArray(s.capabilities?.add).filter((a) => a !== "NET_BIND_SERVICE");
        if (add.length) report(`${name} adds capabilities: ${add.join(", ")}`);
        if (s.readOnlyRootFilesystem !== true) report(`${name} has a writable root filesystem`);
      }
    },
  ),
  rule(
    "k8s-probes",
    "Every container has startup, liveness and readiness probes.",
    [T.deployment],
    (p, report) => {
      for (const c of asArray(p.spec?.template?.spec?.containers)) {
        for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
          if (!c[probe]) report(`container ${c.name} has no ${probe}`);
        }
      }
    },
  ),
  rule(
    "k8s-resources",
    "Every container requests CPU and memory and has a memory limit.",
    [T.deployment],
    (p, report) => {
      for (const c of containersOf(p)) {
        if (!c.resources?.requests?.cpu) report(`container ${c.name} requests no CPU`);
        if (!c.resources?.requests?.memory) report(`container ${c.name} requests no memory`);
        if (!c.resources?.limits?.memory) report(`container ${c.name} has no memory limit`);
      }
    },
  ),
  rule(
    "k8s-image-pinned",
    "Images name a tag other than latest, or a digest.",
    [T.deployment],
    (p, report) => {
      for (const c of containersOf(p)) {
        const image = String(c.image ?? "");
        const last = image.split("/").pop() ?? "";
        if (image.includes("@sha256:")) continue;
        if (!last.includes(":") || last.endsWith(":latest")) report(`container ${c.name} runs ${image || "no image"}: pin a tag or digest`);
      }
    },
  ),
  rule(
    "k8s-secret-env-by-reference",
    `Secret env vars (${SECRET_ENV.join(", ")}) come from a Secret, never a plain value.`,
    [T.deployment],
    (p, report) => {
      for (const c of containersOf(p)) {
        for (const e of asArray(c.env)) {
          if (SECRET_ENV.includes(e.name) && e.value !== undefined) report(`container ${c.name} sets ${e.name} in plain text`);
        }
      }
    },
  ),
];

/** @param {Record<string, string> | undefined} selector @param {Record<string, string> | undefined} labels */
const selects = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

/** @type {import("@pulumi/policy").StackValidationPolicy[]} */
export const stackPolicies = [
  stackRule(
    "k8s-network-policy",
    "Every Deployment's pods are selected by a NetworkPolicy in their namespace, limiting ingress and egress.",
    (resources, report) => {
      const policies = resources.filter((r) => r.type === T.networkPolicy).map((r) => r.props);
      for (const d of resources.filter((r) => r.type === T.deployment)) {
        const labels = d.props.spec?.template?.metadata?.labels;
        const ns = d.props.metadata?.namespace;
        const covered = policies.some(
          (np) =>
            np.metadata?.namespace === ns &&
            selects(np.spec?.podSelector?.matchLabels, labels) &&
            ["Ingress", "Egress"].every((t) => asArray(np.spec?.policyTypes).includes(t)),
        );
        if (!covered) report(`Deployment ${d.props.metadata?.name ?? d.name} has no NetworkPolicy over both ingress and egress`, d.urn);
      }
    },
  ),
];

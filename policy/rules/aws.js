// @ts-check
/**
 * CrossGuard rules for the AWS resources the program creates. Plain JavaScript because the Pulumi CLI
 * loads packs through its own runner, which registers ts-node whatever PulumiPolicy.yaml says, so a
 * `.ts` module fails to load there (see index.js).
 */
import { asArray, parseJson, rule, stackRule } from "./common.js";

const T = {
  bucket: "aws:s3/bucket:Bucket",
  bucketAcl: "aws:s3/bucketAcl:BucketAcl",
  publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  parameter: "aws:ssm/parameter:Parameter",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  iamPolicy: "aws:iam/policy:Policy",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  sgRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  distribution: "aws:cloudfront/distribution:Distribution",
  listener: "aws:lb/listener:Listener",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
};

/** TLS policies accepted on HTTPS listeners: TLS 1.2+ with forward secrecy. */
export const MODERN_TLS_POLICIES = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
];

const ANYWHERE = ["0.0.0.0/0", "::/0"];
/** The only ports the internet may reach: the entry point's HTTPS, and HTTP that only redirects. */
const PUBLIC_PORTS = [80, 443];

/** @param {unknown} policyDocument @returns {string[]} */
function wildcardActions(policyDocument) {
  const doc = parseJson(policyDocument);
  const found = [];
  for (const s of asArray(doc?.Statement)) {
    if (s?.Effect !== "Allow") continue;
    if (s.NotAction !== undefined) found.push("NotAction");
    for (const a of asArray(s.Action)) if (a === "*" || a.endsWith(":*")) found.push(a);
  }
  return found;
}

/**
 * Why a rule opening `from`-`to` to `cidrs` is too wide, or undefined when it is fine.
 * @param {string[]} cidrs @param {string} protocol @param {number} from @param {number} to
 * @returns {string | undefined}
 */
function openIngress(cidrs, protocol, from, to) {
  if (!cidrs.some((c) => ANYWHERE.includes(c))) return undefined;
  if (String(protocol) === "-1" || protocol === "all") return "all traffic is open to the internet";
  if (from !== to || !PUBLIC_PORTS.includes(from)) return `ports ${from}-${to} are open to the internet`;
  if (String(protocol).toLowerCase() !== "tcp") return `protocol ${protocol} is open to the internet`;
  return undefined;
}

/** @type {import("@pulumi/policy").ResourceValidationPolicy[]} */
export const resourcePolicies = [
  rule(
    "s3-no-public-access",
    "S3 buckets block every kind of public access and grant no public ACL.",
    [T.publicAccess, T.bucket, T.bucketAcl],
    (p, report, type) => {
      if (type === T.publicAccess) {
        const off = [
          "blockPublicAcls",
          "blockPublicPolicy",
          "ignorePublicAcls",
          "restrictPublicBuckets",
        ].filter((k) => p[k] !== true);
        if (off.length) report(`Public access block must enable ${off.join(", ")}.`);
      } else if (/^public-/.test(String(p.acl ?? ""))) {
        report(`ACL ${p.acl} makes the bucket public.`);
      }
    },
  ),
  rule(
    "s3-encryption-at-rest",
    "S3 encryption configurations use SSE-S3 or SSE-KMS.",
    [T.encryption],
    (p, report) => {
      const algos = asArray(p.rules).map((r) => r?.applyServerSideEncryptionByDefault?.sseAlgorithm);
      if (algos.length === 0 || algos.some((a) => !["AES256", "aws:kms", "aws:kms:dsse"].includes(a))) {
        report(`Unsupported or missing SSE algorithm: ${JSON.stringify(algos)}. Use AES256 or aws:kms.`);
      }
    },
  ),
  rule(
    "s3-tls-only",
    "S3 bucket policies deny requests not made over TLS.",
    [T.bucketPolicy],
    (p, report) => {
      const denies = asArray(parseJson(p.policy)?.Statement).some(
        (s) =>
          s?.Effect === "Deny" &&
          asArray(s.Action).includes("s3:*") &&
          String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false",
      );
      if (!denies) report('The bucket policy needs a Deny of s3:* when "aws:SecureTransport" is false.');
    },
  ),
  rule("ssm-secure-string", "SSM parameters are SecureString.", [T.parameter], (p, report) => {
    if (p.type !== "SecureString") report(`Parameter type is ${p.type}; secrets must be SecureString.`);
  }),
  rule("log-retention-set", "Log groups expire their events.", [T.logGroup], (p, report) => {
    if (!(Number(p.retentionInDays) > 0)) report("Set retentionInDays: logs kept forever cost forever.");
  }),
  rule(
    "iam-no-wildcard-actions",
    "IAM policies name their actions: no `*`, no `service:*`, no NotAction.",
    [T.rolePolicy, T.iamPolicy, T.role],
    (p, report, type) => {
      const docs = type === T.role ? asArray(p.inlinePolicies).map((i) => i?.policy) : [p.policy];
      const found = docs.flatMap(wildcardActions);
      if (found.length) report(`Wildcard actions allowed: ${found.join(", ")}.`);
      if (
        type === T.role &&
        asArray(p.managedPolicyArns).some((a) => /AdministratorAccess|FullAccess/.test(a))
      ) {
        report("Role attaches an administrator or full-access managed policy.");
      }
    },
  ),
  rule(
    "ecs-task-non-root-read-only",
    "ECS containers run as a non-root user on a read-only root filesystem, unprivileged.",
    [T.taskDefinition],
    (p, report) => {
      for (const c of asArray(parseJson(p.containerDefinitions))) {
        const user = String(c?.user ?? "");
        if (!user || /^(root|0)(:|$)/.test(user))
          report(`Container ${c?.name} runs as root (user "${user}").`);
        if (c?.readonlyRootFilesystem !== true)
          report(`Container ${c?.name} has a writable root filesystem.`);
        if (c?.privileged === true) report(`Container ${c?.name} is privileged.`);
      }
    },
  ),
  rule(
    "sg-no-wide-open-ingress",
    "The internet may reach only TCP 80/443 (the entry point); nothing else is open to 0.0.0.0/0 or ::/0.",
    [T.ingressRule, T.securityGroup, T.sgRule],
    (p, report, type) => {
      const checks = [];
      if (type === T.ingressRule) {
        const m = openIngress([p.cidrIpv4, p.cidrIpv6].filter(Boolean), p.ipProtocol, p.fromPort, p.toPort);
        if (m) checks.push(m);
      } else {
        // A SecurityGroupRule of type ingress, or a SecurityGroup's inline ingress blocks: the same fields.
        const blocks = type === T.sgRule ? (p.type === "ingress" ? [p] : []) : asArray(p.ingress);
        for (const i of blocks) {
          const m = openIngress([...asArray(i.cidrBlocks), ...asArray(i.ipv6CidrBlocks)], i.protocol, i.fromPort, i.toPort);
          if (m) checks.push(m);
        }
      }
      for (const m of checks) report(`Security group ingress: ${m}.`);
    },
  ),
  rule(
    "cloudfront-https-only",
    "CloudFront serves HTTPS only: an API key must never cross the internet in clear.",
    [T.distribution],
    (p, report) => {
      const behaviors = [p.defaultCacheBehavior, ...asArray(p.orderedCacheBehaviors)];
      for (const b of behaviors) {
        if (b?.viewerProtocolPolicy !== "https-only") {
          report(
            `viewerProtocolPolicy is ${b?.viewerProtocolPolicy}; use https-only (a redirect comes too late).`,
          );
        }
      }
    },
  ),
];

/** @type {import("@pulumi/policy").StackValidationPolicy[]} */
export const stackPolicies = [
  stackRule(
    "alb-https-only",
    "Internet-facing listeners serve HTTPS with a modern TLS policy; plain HTTP only redirects, except on an internal ALB (CloudFront VPC origin).",
    (resources, report) => {
      for (const l of resources.filter((r) => r.type === T.listener)) {
        const lb = l.propertyDependencies?.loadBalancerArn?.find((r) => r.type === T.loadBalancer);
        const p = l.props;
        if (p.protocol === "HTTPS") {
          if (!MODERN_TLS_POLICIES.includes(p.sslPolicy)) {
            report(
              `Listener ${l.name} uses TLS policy ${p.sslPolicy}. Use one of: ${MODERN_TLS_POLICIES.join(", ")}.`,
              l.urn,
            );
          }
        } else if (p.protocol === "HTTP") {
          const redirects = asArray(p.defaultActions).every(
            (a) => a?.type === "redirect" && a.redirect?.protocol === "HTTPS",
          );
          if (!redirects && lb?.props.internal !== true) {
            report(`Listener ${l.name} serves plain HTTP on an internet-facing load balancer.`, l.urn);
          }
        } else {
          report(`Listener ${l.name} uses protocol ${p.protocol}.`, l.urn);
        }
      }
    },
  ),
  stackRule(
    "task-ingress-from-load-balancer-only",
    "ECS tasks accept traffic only from a load balancer's security group.",
    (resources, report) => {
      const lbGroups = new Set(
        resources
          .filter((r) => r.type === T.loadBalancer)
          .flatMap((r) => r.propertyDependencies?.securityGroups ?? [])
          .map((r) => r.urn),
      );
      for (const svc of resources.filter((r) => r.type === T.service)) {
        if (svc.props.networkConfiguration?.assignPublicIp && svc.props.loadBalancers === undefined) {
          report(`Service ${svc.name} has a public IP and no load balancer.`, svc.urn);
        }
        const taskGroups = (svc.propertyDependencies?.networkConfiguration ?? []).filter(
          (r) => r.type === T.securityGroup,
        );
        if (taskGroups.length === 0) report(`Service ${svc.name} names no security group.`, svc.urn);
        for (const sg of taskGroups) {
          if (asArray(sg.props.ingress).length > 0) {
            report(
              `Task security group ${sg.name} has inline ingress; allow only the load balancer's group.`,
              sg.urn,
            );
          }
          const rules = resources.filter(
            (r) =>
              r.type === T.ingressRule &&
              r.propertyDependencies?.securityGroupId?.some((d) => d.urn === sg.urn),
          );
          for (const r of rules) {
            const from = r.propertyDependencies?.referencedSecurityGroupId ?? [];
            if (!from.some((d) => lbGroups.has(d.urn))) {
              report(
                `Ingress rule ${r.name} lets something other than the load balancer reach the tasks.`,
                r.urn,
              );
            }
          }
        }
      }
    },
  ),
];

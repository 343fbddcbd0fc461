// Runs the Pulumi program once under mocks and prints every resource the engine was asked to create,
// with its inputs, plus the stack outputs, as one JSON line. A child process per stack configuration:
// Pulumi's mocks and config are process-global and the program module runs once per process.
import * as pulumi from "@pulumi/pulumi";
import type { Recorded } from "./harness.ts";

export const ACCOUNT = "123456789012";
export const REGION = "ap-northeast-1";
/** The Google Cloud project number the mocks answer (getProject). */
export const GCP_PROJECT_NUMBER = "210987654321";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

let tick = 0;
/**
 * Resources the mock answers late, so that a resource that must wait for them (dependsOn) and does not
 * is caught registering before they finish. Keep it well under settle()'s 200 ms quiet window.
 */
const SLOW_TYPES = ["aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"];
const resources: Recorded[] = [];
const errors: string[] = [];
/** Options seen by the mock monitor, by `type::name`, before it calls newResource. */
const optionsSeen = new Map<string, Recorded["options"]>();

function unwrap(v: any): any {
  if (Array.isArray(v)) return v.map(unwrap);
  if (v && typeof v === "object") {
    if (v[SECRET_SIG] !== undefined && "value" in v) return unwrap(v.value);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
  }
  return v;
}

function computed(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  const service = type.split(":")[1]?.split("/")[0] ?? "x";
  const base = { arn: `arn:aws:${service}:${REGION}:${ACCOUNT}:${type.split(":").pop()}/${name}` };
  switch (type) {
    case "aws:s3/bucket:Bucket":
      return { bucket: name, arn: `arn:aws:s3:::${name}` };
    case "aws:lb/loadBalancer:LoadBalancer":
      return {
        ...base,
        dnsName: `${inputs.internal ? "internal-" : ""}${name}-1234.${REGION}.elb.amazonaws.com`,
        arnSuffix: `app/${name}/50dc6c495c0c9188`,
        zoneId: "Z14GRHDCWA56QT",
      };
    case "aws:lb/targetGroup:TargetGroup":
      return { ...base, arnSuffix: `targetgroup/${name}/73e2d6bc24d8a067` };
    case "aws:cloudfront/distribution:Distribution":
      return { ...base, domainName: "d111111abcdef8.cloudfront.net", hostedZoneId: "Z2FDTNDATAQYW2" };
    case "aws:ecr/repository:Repository":
      return { ...base, name, repositoryUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${name}` };
    case "awsx:ec2:Vpc":
      return {
        vpcId: "vpc-0a1b2c",
        publicSubnetIds: ["subnet-public-a", "subnet-public-c"],
        privateSubnetIds: ["subnet-private-a", "subnet-private-c"],
        isolatedSubnetIds: ["subnet-isolated-a", "subnet-isolated-c"],
      };
    case "awsx:ecr:Image":
      return { imageUri: `${inputs.repositoryUrl}@sha256:${"0".repeat(64)}` };
    case "aws:ssm/parameter:Parameter":
      return { arn: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${inputs.name}` };
    case "random:index/randomPassword:RandomPassword":
      return { result: "GeneratedKey0123456789abcdefghijklmnopqrstuvwxyzAB".slice(0, inputs.length) };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${inputs.name}` };
    case "aws:ecs/cluster:Cluster":
    case "aws:ecs/service:Service":
    case "aws:iam/role:Role":
    case "aws:sns/topic:Topic":
      return { ...base, name };
    case "aws:acm/certificate:Certificate":
      return {
        ...base,
        domainValidationOptions: [
          {
            domainName: inputs.domainName,
            resourceRecordName: `_a79865eb4cd1a6ab990a45779b4e0b96.${inputs.domainName}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: "_424c7224e9b0146f9a8808af955727d0.acm-validations.aws.",
          },
        ],
      };
    case "aws:acm/certificateValidation:CertificateValidation":
      return { certificateArn: inputs.certificateArn };
    case "aws:lambda/function:Function": {
      const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
      return { arn, name, version: "1", qualifiedArn: `${arn}:1`, invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn}/invocations` };
    }
    case "aws:lambda/alias:Alias": {
      const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${inputs.functionName}:${inputs.name}`;
      return { arn, name: inputs.name, invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn}/invocations` };
    }
    case "aws:lambda/functionUrl:FunctionUrl":
      return { functionUrl: "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.ap-northeast-1.on.aws/", urlId: "abcdefghijklmnopqrstuvwxyz012345" };
    case "aws:apigateway/restApi:RestApi":
      return { name, rootResourceId: "root0res1d", executionArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${name}-id` };
    case "aws:apigateway/stage:Stage":
      return { arn: `arn:aws:apigateway:${REGION}::/restapis/${inputs.restApi}/stages/${inputs.stageName}` };
    case "aws:apigateway/domainName:DomainName":
      return { ...base, regionalDomainName: `d-abc123def4.execute-api.${REGION}.amazonaws.com`, regionalZoneId: "Z1YSHQZHG15GKL" };
    case "gcp:cloudrunv2/service:Service":
      return { name: inputs.name, uri: `https://${inputs.name}-x7kqpbzr4a-an.a.run.app` };
    case "gcp:storage/bucket:Bucket": {
      const bucket = inputs.name ?? `${name}-a1b2c3d`;
      return { name: bucket, url: `gs://${bucket}` };
    }
    case "gcp:storage/hmacKey:HmacKey":
      return { accessId: "GOOG1EMOCKHMACACCESSID0123456789", secret: "mockHmacSecret0123456789abcdefghijklmnop" };
    case "gcp:secretmanager/secret:Secret":
      return { secretId: inputs.secretId, name: `projects/${GCP_PROJECT_NUMBER}/secrets/${inputs.secretId}` };
    case "gcp:secretmanager/secretVersion:SecretVersion":
      return { version: "1", name: `${inputs.secret}/versions/1` };
    case "gcp:serviceaccount/account:Account":
      return { email: `${inputs.accountId}@${inputs.project}.iam.gserviceaccount.com`, name: inputs.accountId };
    case "gcp:artifactregistry/repository:Repository":
      return { name: inputs.repositoryId };
    case "docker-build:index:Image":
      return { digest: `sha256:${"0".repeat(64)}`, ref: `${inputs.tags?.[0]}` };
    case "gcp:monitoring/dashboard:Dashboard":
      return { id: `projects/${GCP_PROJECT_NUMBER}/dashboards/0f1e2d3c` };
    case "gcp:compute/globalAddress:GlobalAddress":
      return { address: "203.0.113.10" };
    case "aws:route53/record:Record":
      return { fqdn: String(inputs.name).replace(/\.$/, "") };
    default:
      return base;
  }
}

pulumi.runtime.setMocks(
  {
    async newResource(args) {
      const started = ++tick;
      if (SLOW_TYPES.includes(args.type)) await new Promise((r) => setTimeout(r, 100));
      const inputs = unwrap(args.inputs);
      const state = { ...inputs, ...computed(args.type, args.name, inputs) };
      const id =
        args.type === "aws:ec2/securityGroup:SecurityGroup"
          ? `sg-${args.name}`
          : args.type === "gcp:monitoring/dashboard:Dashboard"
            ? String(state.id)
            : `${args.name}-id`;
      resources.push({
        id,
        type: args.type,
        name: args.name,
        custom: args.custom ?? false,
        inputs,
        state,
        started,
        finished: ++tick,
        options: optionsSeen.get(`${args.type}::${args.name}`)!,
      });
      return { id, state };
    },
    call(args) {
      switch (args.token) {
        case "aws:index/getRegion:getRegion":
          return { region: REGION, name: REGION, id: REGION };
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/ci`, userId: "AIDA", id: ACCOUNT };
        case "aws:kms/getAlias:getAlias":
          return {
            name: args.inputs.name,
            targetKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/0c7f3d4b-aws-ssm`,
            arn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws/ssm`,
            id: args.inputs.name,
          };
        case "gcp:organizations/getClientConfig:getClientConfig":
          return { accessToken: "ya29.mock-access-token", project: "", region: "", zone: "", id: "client" };
        case "gcp:organizations/getProject:getProject":
          return { projectId: args.inputs.projectId, number: GCP_PROJECT_NUMBER, name: args.inputs.projectId, id: args.inputs.projectId };
        case "aws:ec2/getManagedPrefixList:getManagedPrefixList":
          return { id: "pl-58a04531", name: args.inputs.name };
        default:
          throw new Error(`unmocked call ${args.token}`);
      }
    },
  },
  "estat-mcp",
  process.env.ESTAT_TEST_STACK ?? "dev",
  false,
);

// newResource does not see resource options; the register request does.
const monitor = (pulumi.runtime as any).getMonitor();
const register = monitor.registerResource.bind(monitor);
monitor.registerResource = (req: any, callback: unknown) => {
  optionsSeen.set(`${req.getType()}::${req.getName()}`, {
    parent: req.getParent(),
    deleteBeforeReplace: req.getDeletebeforereplace(),
    protect: Boolean(req.getProtect()),
    retainOnDelete: Boolean(req.getRetainondelete()),
  });
  return register(req, callback);
};

/** A throw inside an apply surfaces once per dependent property: keep the root message, once. */
function note(e: unknown): void {
  const message = String((e as Error)?.message ?? e).replace(
    /^[\s\S]*error serializing property "[^"]*": /,
    "",
  );
  if (!errors.includes(message)) errors.push(message);
}
process.on("unhandledRejection", note);

/** An Output's value; one whose apply threw never settles, so give up after a while. */
function resolve(o: unknown): Promise<unknown> {
  if (!pulumi.Output.isInstance(o)) return Promise.resolve(o);
  return within(new Promise((r) => (o as pulumi.Output<unknown>).apply(r)), "<unresolved>");
}

function within<X>(p: Promise<X>, fallback: X): Promise<X> {
  return Promise.race([p, new Promise<X>((r) => setTimeout(() => r(fallback), 3000))]);
}

async function settle(): Promise<void> {
  let last = -1;
  for (let stable = 0; stable < 5; ) {
    await new Promise((r) => setTimeout(r, 40));
    stable = resources.length === last ? stable + 1 : 0;
    last = resources.length;
  }
}

let outputs: Record<string, unknown> = {};
try {
  const program: Record<string, unknown> = await import("../../index.ts");
  const entries = await Promise.all(
    Object.entries(program).map(async ([k, v]) => [k, await resolve(v)] as const),
  );
  outputs = Object.fromEntries(entries);
  const secretOutputs = (
    await Promise.all(
      Object.entries(program).map(async ([k, v]) =>
        pulumi.Output.isInstance(v) && (await within((v as any).isSecret as Promise<boolean>, false))
          ? k
          : undefined,
      ),
    )
  ).filter(Boolean);
  outputs.__secret = secretOutputs;
} catch (e) {
  note(e);
}
await settle();
// Registration order depends on when inputs resolve: sort so tests see a stable order.
resources.sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
process.stdout.write(`\n@@RESULT@@${JSON.stringify({ resources, outputs, errors })}\n`, () =>
  process.exit(0),
);

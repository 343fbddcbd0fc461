// The env contract across the stacks/server boundary: every env a target's stack gives the server
// (recorded under mocks) goes through the server's own parseEnv, and the server must run with the values
// the stack meant. A renamed variable, a unit mix-up (s vs ms) or a value the server refuses fails here,
// not on the first deploy.
import assert from "node:assert/strict";
import { parseEnv, ssmParametersOf } from "../../server/config.ts";
import { readdirSync, readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { herokuTimeouts } from "../../stacks/heroku/timeouts.ts";
import { gcpCloudRunTimeouts } from "../../stacks/gcp-cloud-run/timeouts.ts";
import { kubernetesTimeouts } from "../../stacks/kubernetes/timeouts.ts";
import { vpsTimeouts } from "../../stacks/vps/timeouts.ts";
import { awsFargateTimeouts, awsLambdaTimeouts, type TimeoutChain } from "../../stacks/shared/timeouts.ts";
import { json, one, prodWithCloudFrontDomain, prodWithDomain, type Run, runStack, stackFile } from "../stacks/harness.ts";

/** Variables for Node and glibc, not for the server's parseEnv. */
const RUNTIME_VARS = ["NODE_OPTIONS", "MALLOC_MMAP_THRESHOLD_"];
/** Stand-ins for what each platform injects from its secret store. */
const PLACEHOLDER_SECRETS: Record<string, string> = {
  ESTAT_APP_ID: "placeholder-estat-app-id",
  MCP_API_KEYS: "placeholderApiKey0123456789abcdef",
};

interface Row {
  label: string;
  run: () => Promise<Run>;
  /** The plain variables and the names of the secret ones, as the platform will set them. */
  env: (run: Run) => { plain: Record<string, string>; secrets: string[] };
  /** The timeout chain the target was built with. */
  chain: TimeoutChain;
  /** Secrets beyond the server's own two that the platform injects (stand-ins by name). */
  extraSecrets?: Record<string, string>;
  expect: {
    port: number;
    lake: string;
    hosts: string[];
    proxyHops: number;
    keepAliveTimeoutMs: number;
    shutdownGraceMs: number;
    toolTimeoutMs: number;
    executeTimeoutMs: number;
    estatTimeoutMs: number;
  };
}

function ecsEnv(run: Run) {
  const [c] = json(one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
  return {
    plain: Object.fromEntries(c.environment.map((e: { name: string; value: string }) => [e.name, e.value])),
    secrets: c.secrets.map((s: { name: string }) => s.name),
  };
}

/** A Deployment's container env: plain values, and the names filled from the Secret. */
function podEnv(run: Run) {
  const env: { name: string; value?: string; valueFrom?: unknown }[] =
    one(run, "kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0].env;
  return {
    plain: Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string])),
    secrets: env.filter((e) => e.valueFrom !== undefined).map((e) => e.name),
  };
}

/**
 * A Cloud Run container's env: plain values, the names filled from Secret Manager, and PORT, which Cloud
 * Run reserves and sets itself from the container port.
 */
function cloudRunEnv(run: Run) {
  const c = one(run, "gcp:cloudrunv2/service:Service").inputs.template.containers[0];
  const env: { name: string; value?: string; valueSource?: unknown }[] = c.envs;
  return {
    plain: {
      ...Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string])),
      PORT: String(c.ports.containerPort),
    },
    secrets: env.filter((e) => e.valueSource !== undefined).map((e) => e.name),
  };
}

/** What a Cloud Run instance runs with: the run.app host, Cloud Run's front end as the one proxy. */
const ON_CLOUD_RUN: Omit<Row["expect"], "hosts"> = {
  port: 8080,
  lake: "s3://estat-mcp-lake-a1b2c3d",
  proxyHops: 1,
  keepAliveTimeoutMs: 620_000,
  shutdownGraceMs: 5_000,
  toolTimeoutMs: 100_000,
  executeTimeoutMs: 100_000,
  estatTimeoutMs: 60_000,
};
/** The Cloud Run stacks' HMAC key, injected from Secret Manager. */
const HMAC_SECRETS = { S3_ACCESS_KEY_ID: "GOOG1EPLACEHOLDER", S3_SECRET_ACCESS_KEY: "placeholder-hmac-secret" };

/** What a kubernetes pod behind ingress-nginx (or a Gateway) runs with. */
const BEHIND_INGRESS = {
  port: 8080,
  proxyHops: 1,
  keepAliveTimeoutMs: 125_000,
  shutdownGraceMs: 110_000,
  toolTimeoutMs: 100_000,
  executeTimeoutMs: 100_000,
  estatTimeoutMs: 60_000,
};

/** Lambda: the plain variables, and the secrets the handler reads from the SSM parameters they name (the server's own ssmParametersOf). */
function lambdaEnv(run: Run) {
  const vars: Record<string, string> = one(run, "aws:lambda/function:Function").inputs.environment.variables;
  const fromSsm = ssmParametersOf(vars);
  const plain = Object.fromEntries(Object.entries(vars).filter(([k]) => !k.endsWith("_SSM_PARAMETER")));
  return { plain, secrets: Object.keys(fromSsm) };
}

/** What an aws-lambda server runs with behind the REST API's execute-api host. */
const LAMBDA_BEHIND_API: Row["expect"] = {
  port: 8080,
  lake: "s3://estat-mcp-lake-bucket",
  hosts: ["estat-mcp-api-id.execute-api.ap-northeast-1.amazonaws.com"],
  proxyHops: 0,
  keepAliveTimeoutMs: 125_000,
  shutdownGraceMs: 110_000,
  toolTimeoutMs: 100_000,
  executeTimeoutMs: 100_000,
  estatTimeoutMs: 60_000,
};

/** What an aws-fargate server behind CloudFront and the ALB runs with (dev and prod alike). */
const BEHIND_CLOUDFRONT: Row["expect"] = {
  port: 8080,
  lake: "s3://estat-mcp-lake-bucket",
  hosts: ["d111111abcdef8.cloudfront.net"],
  proxyHops: 2,
  keepAliveTimeoutMs: 125_000,
  shutdownGraceMs: 110_000,
  toolTimeoutMs: 100_000,
  executeTimeoutMs: 55_000,
  estatTimeoutMs: 60_000,
};

/** Targets without a Pulumi program: their env comes from the files the user deploys with. */
const noStack = async (): Promise<Run> => ({ resources: [], outputs: {}, errors: [] });
const repoFile = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), "utf8");

/** heroku: app.json's values as config vars, the Procfile's HOST, and the PORT the router assigns. */
function herokuEnv() {
  const appJson = JSON.parse(repoFile("app.json")) as { env: Record<string, { value?: string; required?: boolean; generator?: string }> };
  const procfileHost = /^web: .*\bHOST=(\S+)/m.exec(repoFile("Procfile"))?.[1] ?? "";
  const plain: Record<string, string> = { HOST: procfileHost, PORT: "5000" };
  const secrets: string[] = [];
  for (const [name, spec] of Object.entries(appJson.env)) {
    if (name in PLACEHOLDER_SECRETS) secrets.push(name);
    else if (spec.value !== undefined) plain[name] = spec.value;
    // Required values without a default are the user's own (the bucket's credentials): stand-ins here.
    else if (spec.required) plain[name] = `user-set-${name.toLowerCase()}`;
  }
  return { plain, secrets };
}

/** Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} against a .env's values. */
function interpolate(value: string, dotenv: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::([-?])([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
    const v = dotenv[name];
    if (v) return v;
    if (op === "-") return arg ?? "";
    throw new Error(`compose.yaml needs ${name}: ${arg}`);
  });
}

/**
 * vps: the app service's environment (compose.yaml, interpolated from .env.example) over what env_file
 * hands over from .env.example. DOMAIN and LETSENCRYPT_EMAIL are compose's and certbot's; env_file hands
 * them to the server too, which has no such settings.
 */
function vpsEnv() {
  const dotenv = Object.fromEntries(
    [...repoFile("deploy/vps/.env.example").matchAll(/^([A-Z_][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2]]),
  );
  const app = parseYaml(repoFile("deploy/vps/compose.yaml")).services.app as { env_file: string; environment: Record<string, string> };
  assert.equal(app.env_file, ".env");
  const plain: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(dotenv)) {
    if (["DOMAIN", "LETSENCRYPT_EMAIL"].includes(name)) continue;
    if (name in PLACEHOLDER_SECRETS) secrets.push(name);
    else plain[name] = value;
  }
  for (const [name, value] of Object.entries(app.environment)) plain[name] = interpolate(value, dotenv);
  return { plain, secrets };
}

/** One row per target and shape. A new target adds its rows here. */
const ROWS: Row[] = [
  {
    label: "aws-fargate dev (CloudFront → ALB → task)",
    run: () => runStack("dev"),
    env: ecsEnv,
    chain: awsFargateTimeouts({ cdn: true }),
    expect: BEHIND_CLOUDFRONT,
  },
  {
    label: "aws-fargate prod (CloudFront → ALB → task)",
    run: () => runStack("prod"),
    env: ecsEnv,
    chain: awsFargateTimeouts({ cdn: true }),
    expect: BEHIND_CLOUDFRONT,
  },
  {
    label: "aws-fargate prod with a domain (ALB → task), port 9090",
    run: () => runStack("prod", { ...prodWithDomain(), "estat-mcp:containerPort": "9090" }),
    env: ecsEnv,
    chain: awsFargateTimeouts({ cdn: false }),
    expect: {
      ...BEHIND_CLOUDFRONT,
      port: 9090,
      hosts: ["mcp.example.jp"],
      proxyHops: 1,
      executeTimeoutMs: 100_000,
    },
  },
  {
    label: "aws-fargate prod with a domain on CloudFront (CloudFront → ALB → task)",
    run: () => runStack("prod", prodWithCloudFrontDomain()),
    env: ecsEnv,
    chain: awsFargateTimeouts({ cdn: true }),
    expect: { ...BEHIND_CLOUDFRONT, hosts: ["mcp.example.jp"] },
  },
  {
    label: "kubernetes k8s-dev (ingress-nginx → pod)",
    run: () => runStack("k8s-dev"),
    env: podEnv,
    chain: kubernetesTimeouts().chain,
    expect: { ...BEHIND_INGRESS, lake: "s3://estat-mcp-dev-lake", hosts: ["mcp-dev.example.jp"] },
  },
  {
    label: "kubernetes k8s-prod (ingress-nginx with TLS → pod)",
    run: () => runStack("k8s-prod"),
    env: podEnv,
    chain: kubernetesTimeouts().chain,
    expect: { ...BEHIND_INGRESS, lake: "s3://estat-mcp-prod-lake", hosts: ["mcp.example.jp"] },
  },
  {
    label: "kubernetes without an entry (kubectl port-forward → pod)",
    run: () => runStack("k8s-dev", { ...stackFile("k8s-dev"), "estat-mcp:entry": "none", "estat-mcp:host": "" }),
    env: podEnv,
    chain: kubernetesTimeouts().chain,
    expect: { ...BEHIND_INGRESS, lake: "s3://estat-mcp-dev-lake", hosts: ["localhost"], proxyHops: 0 },
  },
  {
    label: "aws-lambda lambda-dev (REST API, streaming → function)",
    run: () => runStack("lambda-dev"),
    env: lambdaEnv,
    chain: awsLambdaTimeouts({ functionTimeoutS: 120, apiGateway: true }),
    expect: LAMBDA_BEHIND_API,
  },
  {
    label: "aws-lambda lambda-prod (REST API, streaming → function, provisioned)",
    run: () => runStack("lambda-prod"),
    env: lambdaEnv,
    chain: awsLambdaTimeouts({ functionTimeoutS: 180, apiGateway: true }),
    expect: LAMBDA_BEHIND_API,
  },
  {
    label: "aws-lambda lambda-dev with a Function URL (any Host: the URL is only known after the function)",
    run: () => runStack("lambda-dev", { ...stackFile("lambda-dev"), "estat-mcp:entry": "functionUrl" }),
    env: lambdaEnv,
    chain: awsLambdaTimeouts({ functionTimeoutS: 120, apiGateway: false }),
    expect: { ...LAMBDA_BEHIND_API, hosts: [] },
  },
  {
    label: "gcp-cloud-run gcp-dev (Cloud Run front end → instance, scale to zero)",
    run: () => runStack("gcp-dev"),
    env: cloudRunEnv,
    chain: gcpCloudRunTimeouts(),
    extraSecrets: HMAC_SECRETS,
    expect: { ...ON_CLOUD_RUN, hosts: ["estat-mcp-gcp-dev-210987654321.asia-northeast1.run.app"] },
  },
  {
    label: "gcp-cloud-run gcp-prod (Cloud Run front end → warm instance)",
    run: () => runStack("gcp-prod"),
    env: cloudRunEnv,
    chain: gcpCloudRunTimeouts(),
    extraSecrets: HMAC_SECRETS,
    expect: { ...ON_CLOUD_RUN, hosts: ["estat-mcp-gcp-prod-210987654321.asia-northeast1.run.app"] },
  },
  {
    label: "gcp-cloud-run gcp-prod with the load balancer (HTTPS LB + Cloud Armor → instance)",
    run: () =>
      runStack("gcp-prod", { ...stackFile("gcp-prod"), "estat-mcp:loadBalancer": "true", "estat-mcp:domainName": "mcp.example.jp" }),
    env: cloudRunEnv,
    chain: gcpCloudRunTimeouts(),
    extraSecrets: HMAC_SECRETS,
    expect: { ...ON_CLOUD_RUN, hosts: ["mcp.example.jp"], proxyHops: 2 },
  },
  {
    label: "heroku (router → web dyno; app.json, Procfile)",
    run: noStack,
    env: herokuEnv,
    chain: herokuTimeouts(),
    expect: {
      port: 5000,
      lake: "s3://your-bucket/estat",
      // The app's name is the user's: any Host (the router only routes the app's own names to it).
      hosts: [],
      proxyHops: 1,
      keepAliveTimeoutMs: 125_000,
      shutdownGraceMs: 25_000,
      toolTimeoutMs: 100_000,
      executeTimeoutMs: 25_000,
      estatTimeoutMs: 60_000,
    },
  },
  {
    label: "vps (nginx → app container; compose.yaml, .env.example)",
    run: noStack,
    env: vpsEnv,
    chain: vpsTimeouts().chain,
    expect: { ...BEHIND_INGRESS, lake: "file:///data/lake", hosts: ["mcp.example.jp"] },
  },
];

/** A different value of the same kind: a number + 1, anything else with a character appended. */
const perturb = (v: string) => (/^\d+$/.test(v) ? String(Number(v) + 1) : `${v}x`);

function parsedOrError(env: Record<string, string>): unknown {
  try {
    return parseEnv(env);
  } catch (e) {
    return { refused: (e as Error).message };
  }
}

describe("the env contract: each target's server env through the server's parseEnv", () => {
  for (const row of ROWS) {
    describe(row.label, () => {
      let env: Record<string, string>;
      before(async () => {
        const run = await row.run();
        assert.deepEqual(run.errors, []);
        const { plain, secrets } = row.env(run);
        const injected = { ...PLACEHOLDER_SECRETS, ...row.extraSecrets };
        assert.deepEqual(secrets.toSorted(), Object.keys(injected).toSorted());
        env = { ...plain, ...Object.fromEntries(secrets.map((s) => [s, injected[s]])) };
      });

      it("is accepted, and the server runs with the values the stack meant", () => {
        const c = parseEnv(env);
        assert.deepEqual(
          {
            host: c.host,
            port: c.port,
            lake: c.lake.uri,
            hosts: c.allowedHosts,
            proxyHops: c.trustedProxyHops,
            keepAliveTimeoutMs: c.keepAliveTimeoutMs,
            shutdownGraceMs: c.shutdownGraceMs,
            toolTimeoutMs: c.toolTimeoutMs,
            executeTimeoutMs: c.executeTimeoutMs,
            estatTimeoutMs: c.estat.timeoutMs,
            auth: c.auth.mode,
          },
          { host: "0.0.0.0", ...row.expect, auth: "keys" },
        );
      });

      it("runs the server on the timeout chain the stack was checked against", () => {
        const c = parseEnv(env);
        const s = row.chain.server;
        assert.deepEqual(
          [c.estat.timeoutMs, c.toolTimeoutMs, c.executeTimeoutMs, c.keepAliveMs, c.keepAliveTimeoutMs, c.shutdownGraceMs],
          [s.estatTimeoutMs, s.toolTimeoutMs, s.executeTimeoutMs, s.sseKeepAliveS * 1000, s.keepAliveTimeoutMs, s.shutdownGraceMs],
        );
      });

      it("sets no variable the server ignores (a misspelt name would silently fall back to a default)", () => {
        const base = parsedOrError(env);
        const ignored = Object.keys(env)
          .filter((k) => !RUNTIME_VARS.includes(k))
          .filter((k) => {
            const changed = parsedOrError({ ...env, [k]: perturb(env[k]) });
            return JSON.stringify(changed) === JSON.stringify(base);
          });
        assert.deepEqual(ignored, []);
      });
    });
  }

  it("the ignored-variable check is live: a misspelt name is caught", () => {
    const env = { HOST: "0.0.0.0", MCP_API_KEYS: PLACEHOLDER_SECRETS.MCP_API_KEYS, SHUTDOWN_GRACE_SECONDS: "25" };
    const base = parsedOrError(env);
    assert.equal(JSON.stringify(parsedOrError({ ...env, SHUTDOWN_GRACE_SECONDS: perturb("25") })), JSON.stringify(base));
  });

  it("every committed stack file has a row", () => {
    const stacks = readdirSync(new URL("../../", import.meta.url))
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    assert.ok(stacks.includes("dev") && stacks.includes("prod"));
    for (const s of stacks) assert.ok(Object.keys(stackFile(s)).length > 0, s);
    assert.deepEqual(
      stacks.filter((s) => !ROWS.some((r) => r.label.includes(` ${s} `))),
      [],
    );
  });
});

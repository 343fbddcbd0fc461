import assert from "node:assert/strict";
import { CONFIG_KEYS, configKeys, DEFAULTS, parseApiKeys, parseSettings, TARGET_NAMES } from "../../stacks/config.ts";
import { refusedConfig, runStack, stackFile } from "./harness.ts";

/** Settings that must be aws-fargate's (the default target): narrowed so its keys can be read. */
function fargate(raw: Record<string, string>) {
  const s = parseSettings(raw);
  assert.equal(s.target, "aws-fargate");
  return s as Extract<typeof s, { target: "aws-fargate" }>;
}

function messageOf(raw: Record<string, string>): string {
  try {
    parseSettings(raw);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail("expected the configuration to be rejected");
}

describe("stack configuration (stacks/config.ts)", () => {
  it("accepts the defaults and fills them in", () => {
    const s = fargate({});
    assert.deepEqual(
      [s.target, s.cpu, s.memory, s.cpuArchitecture, s.containerPort],
      ["aws-fargate", "256", 512, "ARM64", 8080],
    );
    assert.deepEqual([s.waf, s.containerInsights, s.retainData], [true, true, false]);
  });

  it("defaults to on-demand Fargate with a dashboard; dev sets Spot and no dashboard, prod keeps the defaults", () => {
    const d = fargate({});
    assert.deepEqual([d.capacityProvider, d.dashboard], ["FARGATE", true]);
    const settings = (stack: string) =>
      fargate(
        Object.fromEntries(
          Object.entries(stackFile(stack))
            .filter(([k]) => k.startsWith("estat-mcp:"))
            .map(([k, v]) => [k.slice("estat-mcp:".length), v]),
        ),
      );
    const dev = settings("dev");
    assert.deepEqual([dev.capacityProvider, dev.dashboard], ["FARGATE_SPOT", false]);
    const prod = settings("prod");
    assert.deepEqual([prod.capacityProvider, prod.dashboard], ["FARGATE", true]);
    assert.equal("estat-mcp:capacityProvider" in stackFile("prod"), false);
    assert.equal("estat-mcp:dashboard" in stackFile("prod"), false);
  });

  it("rejects an unknown capacity provider, listing both with what Spot means", () => {
    assert.equal(
      messageOf({ capacityProvider: "SPOT" }),
      "Invalid stack configuration:\n  - estat-mcp:capacityProvider: unknown capacity provider \"SPOT\". " +
        "Valid: FARGATE (on-demand), FARGATE_SPOT (discounted, tasks may be interrupted with 2 minutes' notice)",
    );
    assert.equal(fargate({ capacityProvider: "FARGATE_SPOT" }).capacityProvider, "FARGATE_SPOT");
  });

  it("rejects a dashboard switch that is not true or false", () => {
    assert.equal(
      messageOf({ dashboard: "off" }),
      "Invalid stack configuration:\n  - estat-mcp:dashboard: must be true or false",
    );
    assert.equal(fargate({ dashboard: "false" }).dashboard, false);
  });

  it("rejects a memory size the CPU does not support, listing the valid sizes and all pairs", () => {
    assert.equal(
      messageOf({ cpu: "256", memory: "4096" }),
      "Invalid stack configuration:\n  - estat-mcp:memory: Unsupported memory 4096 MiB for cpu 256. Supported with cpu 256: 512, 1024, 2048. " +
        "All pairs: 256→512-2048, 512→1024-4096, 1024→2048-8192, 2048→4096-16384, 4096→8192-30720, 8192→16384-61440, 16384→32768-122880",
    );
  });

  it("rejects an unsupported CPU, listing the supported ones", () => {
    assert.match(
      messageOf({ cpu: "300" }),
      /estat-mcp:cpu: Unsupported Fargate CPU\. Supported: 256, 512, 1024, 2048, 4096, 8192, 16384/,
    );
  });

  it("rejects an unknown target, listing the built ones (no target is only planned now)", () => {
    assert.match(
      messageOf({ target: "aws-ec2" }),
      /estat-mcp:target: unknown target "aws-ec2"\. Valid: aws-fargate, kubernetes, aws-lambda, gcp-cloud-run$/m,
    );
  });

  it("rejects tasks in private subnets without a NAT gateway (no route to ECR)", () => {
    assert.match(
      messageOf({ taskSubnets: "private", natGateways: "none" }),
      /estat-mcp:taskSubnets: tasks in private subnets need a NAT gateway to pull from ECR/,
    );
  });

  it("rejects a domain without its hosted zone", () => {
    assert.match(
      messageOf({ domainName: "mcp.example.jp" }),
      /estat-mcp:hostedZoneId: domainName and hostedZoneId go together/,
    );
  });

  it("lists the retention periods CloudWatch accepts", () => {
    assert.match(messageOf({ logRetentionDays: "10" }), /Supported days: 1, 3, 5, 7, 14, 30, 60, 90,/);
  });

  it("lists every bad key at once", () => {
    const m = messageOf({
      waf: "yes",
      natGateways: "two",
      minTasks: "3",
      maxTasks: "2",
      cpuArchitecture: "arm",
    });
    assert.deepEqual(m.split("\n"), [
      "Invalid stack configuration:",
      "  - estat-mcp:cpuArchitecture: must be ARM64 (cheaper) or X86_64",
      "  - estat-mcp:natGateways: must be one of: none, single, perAz",
      "  - estat-mcp:waf: must be true or false",
    ]);
    assert.match(messageOf({ minTasks: "3", maxTasks: "2" }), /estat-mcp:maxTasks: must be ≥ minTasks \(3\)/);
  });

  it("accepts URL-safe API keys of 32+ characters and rejects others with the command to fix them", () => {
    assert.deepEqual(parseApiKeys(` ${"a".repeat(32)} ,${"B-_9".repeat(8)}`), [
      "a".repeat(32),
      "B-_9".repeat(8),
    ]);
    assert.throws(
      () => parseApiKeys("short,key"),
      /openssl rand -hex 32 \| pulumi config set --secret estat-mcp:apiKeys, or remove the key to have one generated: pulumi config rm estat-mcp:apiKeys/,
    );
    assert.throws(() => parseApiKeys(`${"a".repeat(31)}+`), /URL-safe/);
  });

  it("knows every key the committed stack files set, and has a default for every optional setting", () => {
    for (const stack of ["dev", "prod", "k8s-dev", "k8s-prod", "lambda-dev", "lambda-prod"]) {
      const keys = Object.keys(stackFile(stack))
        .filter((k) => k.startsWith("estat-mcp:"))
        .map((k) => k.slice("estat-mcp:".length));
      assert.deepEqual(
        keys.filter((k) => !(CONFIG_KEYS as string[]).includes(k)),
        [],
        stack,
      );
    }
    const optional = ["domainName", "hostedZoneId", "alarmEmail", "cognitoDomainPrefix"];
    const plain = (target: string) => configKeys(target).filter((k) => !["estatAppId", "apiKeys"].includes(k));
    assert.deepEqual(
      plain("aws-fargate").filter((k) => !(k in DEFAULTS) && !optional.includes(k)),
      [],
    );
    // kubernetes: what names the user's own cluster, image and bucket has no default.
    const k8sOptional = [
      ...optional.slice(2),
      ...["kubeContext", "cpuLimit", "host", "certIssuer", "gatewayName", "gatewayNamespace", "existingSecretName"],
      ...["externalSecretStore", "externalSecretAppIdKey", "externalSecretApiKeysKey", "externalSecretS3AccessKeyIdKey"],
      ...["externalSecretS3SecretKey", "s3Endpoint", "awsRoleArn", "s3AccessKeyId", "s3SecretAccessKey"],
    ];
    assert.deepEqual(
      plain("kubernetes").filter((k) => !(k in DEFAULTS) && !k8sOptional.includes(k)),
      ["image", "lakeBucket"],
    );
    assert.deepEqual(
      plain("aws-lambda").filter((k) => !(k in DEFAULTS) && !optional.includes(k)),
      [],
    );
    // gcp-cloud-run: only the user's own project has no default.
    assert.deepEqual(
      plain("gcp-cloud-run").filter((k) => !(k in DEFAULTS) && !["domainName", "alarmEmail"].includes(k)),
      ["gcpProject"],
    );
  });

  it("fails the program with the exact command when the e-Stat appId secret is missing", async () => {
    const run = await runStack("dev", stackFile("dev"), {});
    assert.equal(run.resources.length, 0);
    assert.deepEqual(run.errors, [
      "Missing secret estat-mcp:estatAppId (your e-Stat application ID). Set it with:\n  pulumi config set --secret estat-mcp:estatAppId <value>",
    ]);
  });

  it("fails the program when a configured API key is too short", async () => {
    const run = await runStack("dev", stackFile("dev"), {
      "estat-mcp:estatAppId": "x",
      "estat-mcp:apiKeys": "tooshort",
    });
    assert.deepEqual(run.errors, [
      "estat-mcp:apiKeys must be comma-separated keys of at least 32 URL-safe characters (A-Z a-z 0-9 _ -). " +
        "Generate one with: openssl rand -hex 32 | pulumi config set --secret estat-mcp:apiKeys, " +
        "or remove the key to have one generated: pulumi config rm estat-mcp:apiKeys",
    ]);
  });

  it("rejects keys it does not know (a typo would otherwise be ignored), listing the known ones", () => {
    assert.throws(
      () => parseSettings({}, ["natGateway", "waf", "estatAppId"]),
      /^ConfigError: Invalid stack configuration:\n {2}- estat-mcp:natGateway: unknown key\. Known keys: target, cpu, memory, .*, estatAppId, apiKeys$/,
    );
  });

  it("fails the program on a misspelt key before creating anything", async () => {
    const message = await refusedConfig("dev", { "estat-mcp:wafEnabled": "false" });
    assert.match(message, /estat-mcp:wafEnabled: unknown key\. Known keys: target, cpu,/);
  });

  it("fails the program on a bad plain setting before creating anything", async () => {
    const message = await refusedConfig("dev", { "estat-mcp:memory": "3000" });
    assert.match(
      message,
      /^Invalid stack configuration:\n {2}- estat-mcp:memory: Unsupported memory 3000 MiB for cpu 256/,
    );
  });

  it("fails the program with the `pulumi config` command that fixes each bad or unknown key", async () => {
    const message = await refusedConfig("dev", {
      "estat-mcp:natGateways": "two",
      "estat-mcp:memory": "3000",
      "estat-mcp:wafEnabled": "false",
    });
    assert.equal(
      message.slice(message.indexOf("Fix with:")),
      "Fix with:\n" +
        "  pulumi config rm estat-mcp:wafEnabled\n" +
        "  pulumi config set estat-mcp:natGateways <none|single|perAz>",
    );
    const cpu = await runStack("dev", { ...stackFile("dev"), "estat-mcp:memory": "3000" });
    assert.match(cpu.errors[0], /\nFix with:\n {2}pulumi config set estat-mcp:memory <value>$/);
  });

  it("names the valid targets and the command when the target is unknown", async () => {
    const message = await refusedConfig("dev", { "estat-mcp:target": "aws-ec2" });
    assert.equal(
      message,
      'Invalid stack configuration:\n  - estat-mcp:target: unknown target "aws-ec2". Valid: aws-fargate, kubernetes, aws-lambda, gcp-cloud-run' +
        "\nFix with:\n  pulumi config set estat-mcp:target <aws-fargate|kubernetes|aws-lambda|gcp-cloud-run>",
    );
  });

  it("checks keys against the chosen target's slice: common keys, the target's own, and the secrets", () => {
    assert.deepEqual(TARGET_NAMES, ["aws-fargate", "kubernetes", "aws-lambda", "gcp-cloud-run"]);
    const keys = configKeys("aws-fargate");
    assert.deepEqual(keys.slice(0, 3), ["target", "cpu", "memory"]);
    for (const k of ["alarmEmail", "retainData", "logLevel", "rateLimitPerMinute", "waf", "domainName"]) {
      assert.ok(keys.includes(k), k);
    }
    assert.deepEqual(keys.slice(-2), ["estatAppId", "apiKeys"]);
    assert.deepEqual(configKeys("aws-ec2"), []);
    const k8s = configKeys("kubernetes");
    assert.ok(!k8s.includes("cpu") && k8s.includes("image") && k8s.includes("logLevel"));
    assert.deepEqual(k8s.slice(-4), ["estatAppId", "apiKeys", "s3AccessKeyId", "s3SecretAccessKey"]);
    const gcp = configKeys("gcp-cloud-run");
    assert.deepEqual(gcp.slice(0, 3), ["target", "gcpProject", "gcpRegion"]);
    assert.ok(!gcp.includes("cpu") && gcp.includes("vcpu") && gcp.includes("minInstances") && gcp.includes("logLevel"));
    assert.deepEqual(gcp.slice(-2), ["estatAppId", "apiKeys"]);
  });

  it("refuses a prod stack whose alarms would notify nobody, with the command to set the address", async () => {
    assert.throws(
      () => parseSettings({}, [], "prod"),
      /^ConfigError: Invalid stack configuration:\n {2}- estat-mcp:alarmEmail: the prod stack's alarms would notify nobody/,
    );
    assert.equal(parseSettings({ alarmEmail: "ops@example.jp" }, [], "prod").alarmEmail, "ops@example.jp");
    assert.equal(parseSettings({}, [], "dev").alarmEmail, undefined);
    const run = await runStack("prod", stackFile("prod"));
    assert.equal(run.resources.length, 0);
    assert.equal(
      run.errors[0],
      "Invalid stack configuration:\n  - estat-mcp:alarmEmail: the prod stack's alarms would notify nobody: " +
        "set the address that receives them (then confirm AWS's subscription mail)\n" +
        "Fix with:\n  pulumi config set estat-mcp:alarmEmail <you@example.jp>",
    );
  });
});

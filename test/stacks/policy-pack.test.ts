import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as aws from "../../policy/rules/aws.js";
import * as gcp from "../../policy/rules/gcp.js";
import * as kubernetes from "../../policy/rules/kubernetes.js";
import * as lambda from "../../policy/rules/lambda.js";

// Regression: `pulumi preview --policy-pack policy` failed in every CI run (TS5097, exit 32) because the
// CLI starts packs through @pulumi/pulumi's run-policy-pack, which registers ts-node whatever
// PulumiPolicy.yaml says. These tests start the pack the same way, with the pack's own node_modules
// (`npm install --prefix policy`, which `npm run test:stacks` does first, as a user would).
const PACK = resolve(import.meta.dirname, "../../policy");
const RUNNER = join(PACK, "node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js");
const packRequire = createRequire(join(PACK, "node_modules/"));

interface Started {
  child: ChildProcess;
  port?: number;
  code?: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI's runner against a pack directory: resolves with the port it prints, or its exit. */
async function runPack(dir: string): Promise<Started> {
  assert.ok(existsSync(RUNNER), `no ${RUNNER}: run \`npm install --prefix policy\` first`);
  // The CLI's argv contract: RUN <engine-address> <program>; nothing listens on the engine address here.
  const child = spawn(process.execPath, [RUNNER, "127.0.0.1:1", dir], { cwd: dir, stdio: "pipe" });
  const out: Started = { child, stdout: "", stderr: "" };
  child.stderr?.on("data", (c) => (out.stderr += c));
  return await new Promise<Started>((done) => {
    child.stdout?.on("data", (c) => {
      out.stdout += c;
      const m = /^(\d+)\n/.exec(out.stdout);
      if (m) done({ ...out, port: Number(m[1]) });
    });
    child.once("exit", (code) => done({ ...out, code }));
  });
}

async function stop(s: Started) {
  if (s.child.exitCode === null) {
    s.child.kill();
    await once(s.child, "exit");
  }
}

/** The pack's own gRPC client and messages, loaded from the pack's node_modules as the CLI's are. */
function analyzerClient(port: number) {
  const grpc = packRequire("@grpc/grpc-js");
  const rpc = packRequire("@pulumi/pulumi/proto/analyzer_grpc_pb.js");
  const pb = packRequire("@pulumi/pulumi/proto/analyzer_pb.js");
  const { Empty } = packRequire("google-protobuf/google/protobuf/empty_pb.js");
  const { Struct } = packRequire("google-protobuf/google/protobuf/struct_pb.js");
  const client = new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = <T>(method: string, req: unknown) =>
    new Promise<T>((ok, fail) => client[method](req, (e: Error | null, r: T) => (e ? fail(e) : ok(r))));
  return { client, pb, Empty, Struct, call };
}

function packFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => !f.startsWith("node_modules"));
}

describe("policy pack as the Pulumi CLI loads it (run-policy-pack)", function () {
  this.timeout(60_000);

  it("ships JavaScript only, with package.json main pointing at it", () => {
    const pkg = JSON.parse(readFileSync(join(PACK, "package.json"), "utf8"));
    assert.equal(pkg.main, "index.js");
    assert.deepEqual(
      packFiles(PACK).filter((f) => /\.[cm]?tsx?$/.test(f)),
      [],
      "no TypeScript in the pack: the CLI's ts-node cannot load it",
    );
  });

  it("starts serving, answers GetAnalyzerInfo with every rule, and reports a violation over gRPC", async () => {
    const s = await runPack(PACK);
    try {
      assert.ok(s.port, `the runner printed no port (exit ${s.code}): ${s.stderr}`);
      const { client, pb, Empty, Struct, call } = analyzerClient(s.port);
      try {
        const info = await call<any>("getAnalyzerInfo", new Empty());
        assert.equal(info.getName(), "estat-mcp");
        assert.deepEqual(
          info.getPoliciesList().map((p: any) => p.getName()),
          [aws, kubernetes, lambda, gcp].flatMap((m) => [...m.resourcePolicies, ...m.stackPolicies]).map((p) => p.name),
        );
        const req = new pb.AnalyzeRequest();
        req.setType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
        req.setName("lake");
        req.setUrn("urn:pulumi:dev::estat-mcp::aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::lake");
        req.setProperties(
          Struct.fromJavaScript({ blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true, restrictPublicBuckets: true }),
        );
        req.setOptions(new pb.AnalyzerResourceOptions());
        const found = await call<any>("analyze", req);
        assert.deepEqual(
          found.getDiagnosticsList().map((d: any) => d.getPolicyname()),
          ["s3-no-public-access"],
        );
        // The Lambda module is loaded too: a deprecated runtime with logs in Lambda's default group.
        const fn = new pb.AnalyzeRequest();
        fn.setType("aws:lambda/function:Function");
        fn.setName("old");
        fn.setUrn("urn:pulumi:dev::estat-mcp::aws:lambda/function:Function::old");
        fn.setProperties(Struct.fromJavaScript({ runtime: "nodejs20.x", timeout: 300, handler: "index.handler" }));
        fn.setOptions(new pb.AnalyzerResourceOptions());
        const fnFound = await call<any>("analyze", fn);
        assert.deepEqual(
          fnFound.getDiagnosticsList().map((d: any) => d.getPolicyname()).sort(),
          // No log group, and text logs: two findings of one rule.
          ["lambda-logs-to-retained-group", "lambda-logs-to-retained-group", "lambda-runtime-supported"],
        );
      } finally {
        client.close();
      }
    } finally {
      await stop(s);
    }
  });

  it("fails to start a pack whose main module is TypeScript (the layout before the fix): exit 32, TS5097", async () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-ts-"));
    try {
      symlinkSync(join(PACK, "node_modules"), join(dir, "node_modules"));
      writeFileSync(join(dir, "PulumiPolicy.yaml"), "runtime:\n  name: nodejs\n  options:\n    typescript: false\n");
      writeFileSync(
        join(dir, "package.json"),
        JSON.stringify({ name: "ts-pack", type: "module", main: "index.ts" }),
      );
      writeFileSync(join(dir, "rules.ts"), "export const policies: never[] = [];\n");
      writeFileSync(
        join(dir, "index.ts"),
        'import { PolicyPack } from "@pulumi/policy";\nimport { policies } from "./rules.ts";\n' +
          'new PolicyPack("ts-pack", { policies });\n',
      );
      const s = await runPack(dir);
      await stop(s);
      assert.equal(s.port, undefined, "a TypeScript pack must not start");
      assert.equal(s.code, 32);
      assert.match(s.stderr, /TS5097/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

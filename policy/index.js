// The policy pack as the Pulumi CLI loads it: `pulumi preview --policy-pack policy` (after
// `npm install --prefix policy`). Plain JavaScript: the CLI's runner registers ts-node whatever
// PulumiPolicy.yaml says, so a .ts module here fails to load (TS5097, exit 32).
import { PolicyPack } from "@pulumi/policy";
import * as aws from "./rules/aws.js";
import * as gcp from "./rules/gcp.js";
import * as kubernetes from "./rules/kubernetes.js";
import * as lambda from "./rules/lambda.js";

// One rules module per provider. To add one: write rules/<provider>.js
// exporting `resourcePolicies` and `stackPolicies` (helpers in rules/common.js), and list it here.
const PROVIDERS = [aws, kubernetes, lambda, gcp];

new PolicyPack("estat-mcp", {
  policies: PROVIDERS.flatMap((p) => [...p.resourcePolicies, ...p.stackPolicies]),
});

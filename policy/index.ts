import { PolicyPack } from "@pulumi/policy";
import { resourcePolicies, stackPolicies } from "./rules.ts";

// `pulumi preview --policy-pack policy` (after `npm install` in this folder).
new PolicyPack("estat-mcp", { policies: [...resourcePolicies, ...stackPolicies] });

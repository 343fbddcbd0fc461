import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** An IAM statement as the policy JSON carries it. */
export type Statement = Record<string, unknown>;

/** A trust policy letting one AWS service (`ecs-tasks.amazonaws.com`, `lambda.amazonaws.com`) assume a role. */
export function assumedBy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

export function policyDocument(statements: object[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** A role assumed by `service` with one inline policy of `statements`, named `name` (role and policy). */
export function roleWithPolicy(
  name: string,
  args: { service: string; description: string; statements: pulumi.Input<object[]> },
  parent: pulumi.Resource,
): aws.iam.Role {
  const role = new aws.iam.Role(
    name,
    { assumeRolePolicy: assumedBy(args.service), description: args.description },
    { parent },
  );
  new aws.iam.RolePolicy(
    name,
    { role: role.id, policy: pulumi.output(args.statements).apply((s) => policyDocument(s)) },
    { parent },
  );
  return role;
}

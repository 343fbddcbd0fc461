import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { roleWithPolicy } from "../aws/iam.ts";

/** The service principal ECS tasks assume their roles as. */
export const ECS_TASKS = "ecs-tasks.amazonaws.com";

/** The role ECS itself uses to start a task: pull the image, write logs, read the secrets. */
export function executionRole(
  name: string,
  args: {
    repositoryArn: pulumi.Input<string>;
    logGroupArn: pulumi.Input<string>;
    secretReadStatements: pulumi.Input<object[]>;
  },
  parent: pulumi.Resource,
): aws.iam.Role {
  return roleWithPolicy(
    `${name}-execution`,
    {
      service: ECS_TASKS,
      description: "ECS pulls the image, writes logs, reads secrets",
      statements: pulumi
        .all([args.repositoryArn, args.logGroupArn, args.secretReadStatements])
        .apply(([repoArn, logArn, secretStatements]) => [
          // GetAuthorizationToken has no resource-level permissions.
          { Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
          {
            Effect: "Allow",
            Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            Resource: [repoArn],
          },
          { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${logArn}:*`] },
          ...secretStatements,
        ]),
    },
    parent,
  );
}

/**
 * The tasks' security group: in from the load balancer on the container port only, out on 443 only;
 * and the load balancer's egress to the tasks.
 */
export function taskSecurityGroup(
  name: string,
  args: {
    vpcId: pulumi.Input<string>;
    containerPort: number;
    loadBalancerSecurityGroupId: pulumi.Input<string>;
  },
  parent: pulumi.Resource,
): aws.ec2.SecurityGroup {
  const self = { parent };
  const sg = new aws.ec2.SecurityGroup(
    `${name}-sg`,
    { vpcId: args.vpcId, description: "estat-mcp tasks", tags: { "estat-mcp:role": "task" } },
    self,
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-in-from-lb`,
    {
      securityGroupId: sg.id,
      referencedSecurityGroupId: args.loadBalancerSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: args.containerPort,
      toPort: args.containerPort,
      description: "The load balancer only",
    },
    self,
  );
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-out-https`,
    {
      securityGroupId: sg.id,
      cidrIpv4: "0.0.0.0/0",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      description: "ECR, SSM, S3, CloudWatch Logs and e-Stat, all over HTTPS",
    },
    self,
  );
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-lb-out-to-tasks`,
    {
      securityGroupId: args.loadBalancerSecurityGroupId,
      referencedSecurityGroupId: sg.id,
      ipProtocol: "tcp",
      fromPort: args.containerPort,
      toPort: args.containerPort,
      description: "Load balancer to the tasks' container port",
    },
    self,
  );
  return sg;
}

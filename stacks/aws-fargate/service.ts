import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { roleWithPolicy } from "../aws/iam.ts";
import type { CpuArchitecture } from "../aws/image.ts";
import type { SecretRef } from "../aws/secrets.ts";
import type { CapacityProvider } from "./config.ts";
import { ECS_TASKS, executionRole, taskSecurityGroup } from "./task-access.ts";

export const CONTAINER_NAME = "server";
/** The `node` user of the official Node image. */
export const CONTAINER_USER = "1000:1000";

export interface FargateServiceArgs {
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Public subnets without NAT: the task needs a public IP to reach ECR, SSM and e-Stat. */
  assignPublicIp: boolean;
  loadBalancer: {
    securityGroupId: pulumi.Input<string>;
    targetGroupArn: pulumi.Input<string>;
    /** `app/…/…/targetgroup/…/…`: the label of ALB requests-per-target scaling. */
    resourceLabel: pulumi.Input<string>;
    /** Listeners that must exist before ECS registers targets. */
    listeners: pulumi.Resource[];
  };
  imageUri: pulumi.Input<string>;
  repositoryArn: pulumi.Input<string>;
  architecture: CpuArchitecture;
  cpu: string;
  memory: number;
  containerPort: number;
  environment: Record<string, pulumi.Input<string>>;
  secrets: SecretRef[];
  /** IAM statements letting ECS read the secrets at start-up. */
  secretReadStatements: pulumi.Input<object[]>;
  /** IAM statements for the running server (the data lake). */
  taskStatements: pulumi.Input<object[]>;
  logRetentionDays: number;
  containerInsights: boolean;
  /**
   * FARGATE: the `FARGATE` launch type (on-demand). FARGATE_SPOT: the cluster gets the FARGATE and
   * FARGATE_SPOT capacity providers and the service runs every task on FARGATE_SPOT (no launch type:
   * ECS refuses a service with both).
   */
  capacityProvider: CapacityProvider;
  minTasks: number;
  maxTasks: number;
  cpuTargetPercent: number;
  requestsPerTargetPerMinute: number;
  /** SIGTERM → SIGKILL, from the target's timeout chain. */
  stopTimeoutS: number;
}

/** The server on ECS Fargate: cluster, roles, task definition, service, autoscaling, log group. */
export class FargateService extends pulumi.ComponentResource {
  readonly cluster: aws.ecs.Cluster;
  /** Only with FARGATE_SPOT: the providers a capacity provider strategy may name. */
  readonly capacityProviders?: aws.ecs.ClusterCapacityProviders;
  readonly service: aws.ecs.Service;
  readonly taskDefinition: aws.ecs.TaskDefinition;
  readonly executionRole: aws.iam.Role;
  readonly taskRole: aws.iam.Role;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly securityGroup: aws.ec2.SecurityGroup;

  constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:aws:FargateService", name, {}, opts);
    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/estat-mcp/${pulumi.getStack()}/server`, retentionInDays: args.logRetentionDays },
      { parent: this },
    );
    this.cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      { settings: [{ name: "containerInsights", value: args.containerInsights ? "enabled" : "disabled" }] },
      { parent: this },
    );
    if (args.capacityProvider === "FARGATE_SPOT") {
      this.capacityProviders = new aws.ecs.ClusterCapacityProviders(
        `${name}-capacity`,
        {
          clusterName: this.cluster.name,
          capacityProviders: ["FARGATE", "FARGATE_SPOT"],
          defaultCapacityProviderStrategies: [SPOT_STRATEGY],
        },
        { parent: this },
      );
    }
    this.executionRole = executionRole(name, {
      repositoryArn: args.repositoryArn,
      logGroupArn: this.logGroup.arn,
      secretReadStatements: args.secretReadStatements,
    }, this);
    this.taskRole = roleWithPolicy(
      `${name}-task`,
      {
        service: ECS_TASKS,
        description: "The running server: the data lake only",
        statements: args.taskStatements,
      },
      this,
    );
    this.securityGroup = taskSecurityGroup(name, {
      vpcId: args.vpcId,
      containerPort: args.containerPort,
      loadBalancerSecurityGroupId: args.loadBalancer.securityGroupId,
    }, this);
    this.taskDefinition = this.createTaskDefinition(name, args);
    this.service = this.createService(name, args);
    this.createAutoscaling(name, args);
    this.registerOutputs({ serviceName: this.service.name, clusterName: this.cluster.name });
  }

  private createTaskDefinition(name: string, args: FargateServiceArgs): aws.ecs.TaskDefinition {
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const environment = Object.entries(args.environment)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([envName, value]) => ({ name: envName, value }));
    return new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: `estat-mcp-${pulumi.getStack()}`,
        cpu: args.cpu,
        memory: String(args.memory),
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: args.architecture },
        executionRoleArn: this.executionRole.arn,
        taskRoleArn: this.taskRole.arn,
        volumes: [{ name: "tmp" }],
        containerDefinitions: pulumi.jsonStringify([
          {
            name: CONTAINER_NAME,
            image: args.imageUri,
            essential: true,
            user: CONTAINER_USER,
            readonlyRootFilesystem: true,
            portMappings: [{ name: "http", containerPort: args.containerPort, protocol: "tcp" }],
            environment,
            secrets: args.secrets.map((s) => ({ name: s.name, valueFrom: s.valueFrom })),
            mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
            stopTimeout: args.stopTimeoutS,
            linuxParameters: { initProcessEnabled: true },
            logConfiguration: {
              logDriver: "awslogs",
              options: {
                "awslogs-group": this.logGroup.name,
                "awslogs-region": region,
                "awslogs-stream-prefix": "server",
                mode: "non-blocking",
                "max-buffer-size": "25m",
              },
            },
          },
        ]),
      },
      { parent: this },
    );
  }

  private createService(name: string, args: FargateServiceArgs): aws.ecs.Service {
    const capacity = this.capacityProviders
      ? {
          capacityProviderStrategies: [SPOT_STRATEGY],
          // The provider changes a strategy only together with a new deployment.
          forceNewDeployment: true,
        }
      : { launchType: "FARGATE" };
    return new aws.ecs.Service(
      `${name}-service`,
      {
        cluster: this.cluster.arn,
        taskDefinition: this.taskDefinition.arn,
        desiredCount: args.minTasks,
        ...capacity,
        // LATEST is 1.4.0: what FARGATE_SPOT needs for ARM64 tasks (1.3.0 for X86_64).
        platformVersion: "LATEST",
        networkConfiguration: {
          subnets: args.subnetIds,
          securityGroups: [this.securityGroup.id],
          assignPublicIp: args.assignPublicIp,
        },
        loadBalancers: [
          {
            targetGroupArn: args.loadBalancer.targetGroupArn,
            containerName: CONTAINER_NAME,
            containerPort: args.containerPort,
          },
        ],
        healthCheckGracePeriodSeconds: 60,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        enableEcsManagedTags: true,
        propagateTags: "SERVICE",
        waitForSteadyState: true,
      },
      // Autoscaling owns the desired count once the service exists. A strategy may only name providers
      // already associated with the cluster: wait for the association.
      {
        parent: this,
        dependsOn: [
          ...args.loadBalancer.listeners,
          ...(this.capacityProviders ? [this.capacityProviders] : []),
        ],
        ignoreChanges: ["desiredCount"],
      },
    );
  }

  private createAutoscaling(name: string, args: FargateServiceArgs): void {
    const self = { parent: this };
    const target = new aws.appautoscaling.Target(
      `${name}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${this.cluster.name}/${this.service.name}`,
        minCapacity: args.minTasks,
        maxCapacity: args.maxTasks,
      },
      self,
    );
    const tracking = (
      suffix: string,
      config: aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfiguration,
    ) =>
      new aws.appautoscaling.Policy(
        `${name}-scale-${suffix}`,
        {
          policyType: "TargetTrackingScaling",
          serviceNamespace: target.serviceNamespace,
          scalableDimension: target.scalableDimension,
          resourceId: target.resourceId,
          targetTrackingScalingPolicyConfiguration: config,
        },
        self,
      );
    tracking("cpu", {
      targetValue: args.cpuTargetPercent,
      predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
      scaleInCooldown: 300,
      scaleOutCooldown: 60,
    });
    tracking("requests", {
      targetValue: args.requestsPerTargetPerMinute,
      predefinedMetricSpecification: {
        predefinedMetricType: "ALBRequestCountPerTarget",
        resourceLabel: args.loadBalancer.resourceLabel,
      },
      scaleInCooldown: 300,
      scaleOutCooldown: 60,
    });
  }
}

/** Every task on Fargate Spot. `base` is 0: a base on FARGATE would be an on-demand task, paid in full. */
export const SPOT_STRATEGY = { capacityProvider: "FARGATE_SPOT", weight: 1, base: 0 };

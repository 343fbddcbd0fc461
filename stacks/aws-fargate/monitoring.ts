import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { alarmTopic, ESTAT_ERRORS_ALARM, logMetricFilters, metricAlarm } from "../aws/alarms.ts";
import { dashboardBody } from "./dashboard.ts";

export interface MonitoringArgs {
  alarmEmail?: string;
  /** `app/name/id` and `targetgroup/name/id`: CloudWatch's ALB dimensions. */
  loadBalancerArnSuffix: pulumi.Input<string>;
  targetGroupArnSuffix: pulumi.Input<string>;
  clusterName: pulumi.Input<string>;
  serviceName: pulumi.Input<string>;
  logGroupName: pulumi.Input<string>;
  /** Running tasks below this (or below desired, with Container Insights) raise an alarm. */
  minTasks: number;
  containerInsights: boolean;
  p99LatencySeconds: number;
  /** The dashboard costs $3/month beyond the account's 3 free ones; the alarms do not need it. */
  dashboard: boolean;
}

/** Alarms to an SNS topic, metric filters on the server's logs, and (optionally) a dashboard of all of it. */
export class Monitoring extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  readonly alarms: aws.cloudwatch.MetricAlarm[] = [];
  readonly dashboard?: aws.cloudwatch.Dashboard;
  readonly dashboardUrl?: pulumi.Output<string>;
  readonly metricNamespace: string;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:aws:Monitoring", name, {}, opts);
    const self = { parent: this };
    this.metricNamespace = `EstatMcp/${pulumi.getStack()}`;
    this.topic = alarmTopic(name, { email: args.alarmEmail }, this);
    logMetricFilters(name, { logGroupName: args.logGroupName, namespace: this.metricNamespace }, this);
    this.createAlarms(name, args);
    if (!args.dashboard) {
      this.registerOutputs({ topicArn: this.topic.arn });
      return;
    }
    const region = aws.getRegionOutput({}, self).region;
    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: `estat-mcp-${pulumi.getStack()}`,
        dashboardBody: pulumi
          .all([
            region,
            args.loadBalancerArnSuffix,
            args.targetGroupArnSuffix,
            args.clusterName,
            args.serviceName,
          ])
          .apply(([r, lb, tg, cluster, service]) =>
            JSON.stringify(
              dashboardBody(r, lb, tg, cluster, service, this.metricNamespace, args.containerInsights),
            ),
          ),
      },
      self,
    );
    this.dashboard = dashboard;
    this.dashboardUrl = pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboard.dashboardName}`;
    this.registerOutputs({ dashboardUrl: this.dashboardUrl, topicArn: this.topic.arn });
  }

  private createAlarms(name: string, args: MonitoringArgs): void {
    const lb = { LoadBalancer: args.loadBalancerArnSuffix };
    const tg = { LoadBalancer: args.loadBalancerArnSuffix, TargetGroup: args.targetGroupArnSuffix };
    const svc = { ClusterName: args.clusterName, ServiceName: args.serviceName };
    const alarm = (id: string, description: string, a: Partial<aws.cloudwatch.MetricAlarmArgs>) =>
      this.alarms.push(metricAlarm(`${name}-${id}`, description, this.topic, a, this));
    const gte = "GreaterThanOrEqualToThreshold";
    alarm("alb-5xx", "The load balancer answered 5xx (no healthy target, timeouts)", {
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_ELB_5XX_Count",
      dimensions: lb,
      statistic: "Sum",
      threshold: 5,
      comparisonOperator: gte,
    });
    alarm("target-5xx", "The server answered 5xx", {
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_Target_5XX_Count",
      dimensions: lb,
      statistic: "Sum",
      threshold: 5,
      comparisonOperator: gte,
    });
    alarm("unhealthy-targets", "A task fails its /healthz check", {
      namespace: "AWS/ApplicationELB",
      metricName: "UnHealthyHostCount",
      dimensions: tg,
      statistic: "Maximum",
      threshold: 1,
      comparisonOperator: gte,
    });
    alarm("p99-latency", `p99 time to first response byte above ${args.p99LatencySeconds} s`, {
      namespace: "AWS/ApplicationELB",
      metricName: "TargetResponseTime",
      dimensions: lb,
      extendedStatistic: "p99",
      period: 300,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      threshold: args.p99LatencySeconds,
      comparisonOperator: "GreaterThanThreshold",
    });
    alarm("cpu-high", "Tasks' CPU above 85 %", {
      namespace: "AWS/ECS",
      metricName: "CPUUtilization",
      dimensions: svc,
      statistic: "Average",
      threshold: 85,
      comparisonOperator: "GreaterThanThreshold",
    });
    alarm("memory-high", "Tasks' memory above 85 %", {
      namespace: "AWS/ECS",
      metricName: "MemoryUtilization",
      dimensions: svc,
      statistic: "Average",
      threshold: 85,
      comparisonOperator: "GreaterThanThreshold",
    });
    if (args.containerInsights) {
      alarm("running-tasks-low", "Fewer tasks running than desired", {
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "breaching",
        metricQueries: [
          {
            id: "running",
            metric: {
              namespace: "ECS/ContainerInsights",
              metricName: "RunningTaskCount",
              dimensions: svc,
              stat: "Minimum",
              period: 60,
            },
          },
          {
            id: "desired",
            metric: {
              namespace: "ECS/ContainerInsights",
              metricName: "DesiredTaskCount",
              dimensions: svc,
              stat: "Maximum",
              period: 60,
            },
          },
          { id: "missing", expression: "desired - running", label: "Tasks missing", returnData: true },
        ],
        period: undefined,
      });
    } else {
      // Without Container Insights there is no desired-count metric: healthy targets below the floor.
      alarm("running-tasks-low", `Fewer than ${args.minTasks} healthy tasks`, {
        namespace: "AWS/ApplicationELB",
        metricName: "HealthyHostCount",
        dimensions: tg,
        statistic: "Minimum",
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        threshold: args.minTasks,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
      });
    }
    alarm(ESTAT_ERRORS_ALARM.id, ESTAT_ERRORS_ALARM.description, ESTAT_ERRORS_ALARM.args(this.metricNamespace));
  }
}

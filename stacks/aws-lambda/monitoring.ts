import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { alarmTopic, ESTAT_ERRORS_ALARM, logMetricFilters, metricAlarm } from "../aws/alarms.ts";
import type { LambdaEntry } from "./config.ts";

export interface LambdaMonitoringArgs {
  alarmEmail?: string;
  functionName: pulumi.Input<string>;
  aliasName: string;
  entry: LambdaEntry;
  /** The REST API's name and stage (AWS/ApiGateway dimensions), with entry apiGateway. */
  api?: { name: pulumi.Input<string>; stage: pulumi.Input<string> };
  logGroupName: pulumi.Input<string>;
  timeoutS: number;
  reservedConcurrency: number;
  /** The dashboard costs $3/month beyond the account's 3 free ones; the alarms do not need it. */
  dashboard: boolean;
}

/** The share of the timeout at which p99 duration alarms, and of reserved concurrency at which concurrency alarms. */
export const NEAR = 0.8;

/**
 * Alarms to the SNS topic (errors, throttles, p99 duration near the timeout, the entry's 5xx,
 * concurrency near the reserved limit, e-Stat errors from the logs) and, when asked, a dashboard.
 */
export class LambdaMonitoring extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  readonly alarms: aws.cloudwatch.MetricAlarm[] = [];
  readonly dashboardUrl?: pulumi.Output<string>;
  readonly metricNamespace: string;

  constructor(name: string, args: LambdaMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:aws:LambdaMonitoring", name, {}, opts);
    this.metricNamespace = `EstatMcp/${pulumi.getStack()}`;
    this.topic = alarmTopic(name, { email: args.alarmEmail }, this);
    logMetricFilters(name, { logGroupName: args.logGroupName, namespace: this.metricNamespace }, this);
    this.createAlarms(name, args);
    if (args.dashboard) this.dashboardUrl = this.createDashboard(name, args);
    this.registerOutputs({ topicArn: this.topic.arn, dashboardUrl: this.dashboardUrl });
  }

  private createAlarms(name: string, args: LambdaMonitoringArgs): void {
    const alias = { FunctionName: args.functionName, Resource: pulumi.interpolate`${args.functionName}:${args.aliasName}` };
    const alarm = (id: string, description: string, a: Partial<aws.cloudwatch.MetricAlarmArgs>) =>
      this.alarms.push(metricAlarm(`${name}-${id}`, description, this.topic, a, this));
    const gte = "GreaterThanOrEqualToThreshold";
    alarm("errors", "The function failed (crash, cold-start failure, timeout)", {
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: alias,
      statistic: "Sum",
      threshold: 3,
      comparisonOperator: gte,
    });
    alarm("throttles", "Invocations refused: reserved concurrency reached", {
      namespace: "AWS/Lambda",
      metricName: "Throttles",
      dimensions: alias,
      statistic: "Sum",
      threshold: 1,
      comparisonOperator: gte,
    });
    alarm("duration-p99", `p99 duration above ${NEAR * 100} % of the ${args.timeoutS} s timeout`, {
      namespace: "AWS/Lambda",
      metricName: "Duration",
      dimensions: alias,
      extendedStatistic: "p99",
      period: 300,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      threshold: Math.round(args.timeoutS * 1000 * NEAR),
      comparisonOperator: "GreaterThanThreshold",
    });
    alarm("concurrency-high", `Concurrent executions at ${NEAR * 100} % of the reserved ${args.reservedConcurrency}`, {
      namespace: "AWS/Lambda",
      metricName: "ConcurrentExecutions",
      dimensions: { FunctionName: args.functionName },
      statistic: "Maximum",
      threshold: Math.max(1, Math.floor(args.reservedConcurrency * NEAR)),
      comparisonOperator: gte,
    });
    if (args.entry === "apiGateway" && args.api) {
      alarm("api-5xx", "API Gateway answered 5xx (integration errors, timeouts)", {
        namespace: "AWS/ApiGateway",
        metricName: "5XXError",
        dimensions: { ApiName: args.api.name, Stage: args.api.stage },
        statistic: "Sum",
        threshold: 5,
        comparisonOperator: gte,
      });
    } else {
      alarm("url-5xx", "The Function URL answered 5xx", {
        namespace: "AWS/Lambda",
        metricName: "Url5xxCount",
        dimensions: alias,
        statistic: "Sum",
        threshold: 5,
        comparisonOperator: gte,
      });
    }
    alarm(ESTAT_ERRORS_ALARM.id, ESTAT_ERRORS_ALARM.description, ESTAT_ERRORS_ALARM.args(this.metricNamespace));
  }

  private createDashboard(name: string, args: LambdaMonitoringArgs): pulumi.Output<string> {
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const body = pulumi
      .all([region, args.functionName, args.api?.name ?? "", args.api?.stage ?? ""])
      .apply(([r, fn, api, stage]) => {
        const widget = (title: string, metrics: unknown[][]) => ({
          type: "metric",
          width: 12,
          height: 6,
          properties: { title, region: r, metrics, view: "timeSeries", period: 60 },
        });
        const res = `${fn}:${args.aliasName}`;
        return JSON.stringify({
          widgets: [
            widget("Invocations, errors, throttles", [
              ["AWS/Lambda", "Invocations", "FunctionName", fn, "Resource", res, { stat: "Sum" }],
              ["AWS/Lambda", "Errors", "FunctionName", fn, "Resource", res, { stat: "Sum" }],
              ["AWS/Lambda", "Throttles", "FunctionName", fn, "Resource", res, { stat: "Sum" }],
            ]),
            widget("Duration (ms)", [
              ["AWS/Lambda", "Duration", "FunctionName", fn, "Resource", res, { stat: "p50" }],
              ["AWS/Lambda", "Duration", "FunctionName", fn, "Resource", res, { stat: "p99" }],
            ]),
            widget("Concurrency", [
              ["AWS/Lambda", "ConcurrentExecutions", "FunctionName", fn, { stat: "Maximum" }],
              ["AWS/Lambda", "ProvisionedConcurrencyUtilization", "FunctionName", fn, "Resource", res, { stat: "Maximum" }],
            ]),
            api
              ? widget("API Gateway", [
                  ["AWS/ApiGateway", "Count", "ApiName", api, "Stage", stage, { stat: "Sum" }],
                  ["AWS/ApiGateway", "5XXError", "ApiName", api, "Stage", stage, { stat: "Sum" }],
                  ["AWS/ApiGateway", "4XXError", "ApiName", api, "Stage", stage, { stat: "Sum" }],
                ])
              : widget("Function URL", [
                  ["AWS/Lambda", "UrlRequestCount", "FunctionName", fn, "Resource", res, { stat: "Sum" }],
                  ["AWS/Lambda", "Url5xxCount", "FunctionName", fn, "Resource", res, { stat: "Sum" }],
                ]),
            widget("Tool and e-Stat errors", [
              [this.metricNamespace, "ToolErrors", { stat: "Sum" }],
              [this.metricNamespace, "EstatErrors", { stat: "Sum" }],
            ]),
          ],
        });
      });
    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      { dashboardName: `estat-mcp-${pulumi.getStack()}`, dashboardBody: body },
      { parent: this },
    );
    return pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboard.dashboardName}`;
  }
}

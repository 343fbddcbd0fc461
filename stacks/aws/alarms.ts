import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/** Log events the server writes (pino JSON lines), turned into metrics. */
export const LOG_METRICS = [
  { id: "tool-errors", metric: "ToolErrors", pattern: '{ $.event = "tool_error" }' },
  { id: "estat-errors", metric: "EstatErrors", pattern: '{ $.event = "estat_error" }' },
] as const;

/**
 * The alarm every AWS target raises on e-Stat failures (LOG_METRICS' EstatErrors): 10 or more in one
 * 5-minute period, an outage or a rejected appId.
 */
export const ESTAT_ERRORS_ALARM = {
  id: "estat-errors",
  description: "e-Stat calls failing (outage or a bad appId)",
  args: (namespace: string): Partial<aws.cloudwatch.MetricAlarmArgs> => ({
    namespace,
    metricName: "EstatErrors",
    statistic: "Sum",
    period: 300,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold: 10,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
  }),
};

/** The SNS topic every alarm notifies, with an e-mail subscription when `email` is set. */
export function alarmTopic(name: string, args: { email?: string }, parent: pulumi.Resource): aws.sns.Topic {
  const topic = new aws.sns.Topic(`${name}-alarms`, {}, { parent });
  if (args.email) {
    new aws.sns.TopicSubscription(
      `${name}-alarm-email`,
      { topic: topic.arn, protocol: "email", endpoint: args.email },
      { parent },
    );
  }
  return topic;
}

/** One metric per LOG_METRICS entry, counted from the server's log group into `namespace`. */
export function logMetricFilters(
  name: string,
  args: { logGroupName: pulumi.Input<string>; namespace: string },
  parent: pulumi.Resource,
): void {
  for (const m of LOG_METRICS) {
    new aws.cloudwatch.LogMetricFilter(
      `${name}-${m.id}`,
      {
        logGroupName: args.logGroupName,
        pattern: m.pattern,
        metricTransformation: { name: m.metric, namespace: args.namespace, value: "1", unit: "Count" },
      },
      { parent },
    );
  }
}

/**
 * One CloudWatch alarm with the settings every target's alarms share (1-minute periods, 3 of 5 breaching,
 * missing data not breaching, alarm and OK notifications to `topic`); `a` gives the metric and threshold.
 */
export function metricAlarm(
  name: string,
  description: string,
  topic: aws.sns.Topic,
  a: Partial<aws.cloudwatch.MetricAlarmArgs>,
  parent: pulumi.Resource,
): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(
    name,
    {
      alarmDescription: description,
      period: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      alarmActions: [topic.arn],
      okActions: [topic.arn],
      ...a,
    } as aws.cloudwatch.MetricAlarmArgs,
    { parent },
  );
}

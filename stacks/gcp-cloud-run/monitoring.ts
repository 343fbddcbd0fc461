import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface MonitoringArgs {
  project: string;
  serviceName: pulumi.Input<string>;
  /** The host the uptime check calls over HTTPS. */
  host: pulumi.Input<string>;
  maxInstances: number;
  /** Warm instances: a check every minute; scale to zero: every 15 minutes (each check wakes an instance). */
  warm: boolean;
  alarmEmail?: string;
  dashboard: boolean;
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** Log-based metrics on the server's pino JSON lines (Cloud Logging parses them into jsonPayload). */
export const LOG_METRICS = {
  toolErrors: { id: "estat-mcp/tool_errors", filter: 'jsonPayload.event="tool_error"' },
  estatFailures: {
    id: "estat-mcp/estat_failures",
    filter: 'jsonPayload.event="tool_error" AND jsonPayload.kind=("upstream" OR "timeout" OR "unavailable" OR "bad_response" OR "auth")',
  },
} as const;

/**
 * Cloud Monitoring for the service: alert policies (5xx ratio, p99 latency, instances at the maximum,
 * container restarts), an uptime check on /healthz, log-based metrics for tool errors and e-Stat
 * failures, an e-mail channel when alarmEmail is set, and a dashboard when switched on.
 */
export class ServiceMonitoring extends pulumi.ComponentResource {
  readonly alertPolicies: gcp.monitoring.AlertPolicy[];
  readonly dashboardUrl?: pulumi.Output<string>;

  constructor(name: string, a: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:gcp:ServiceMonitoring", name, {}, opts);
    const o = { parent: this, dependsOn: a.dependsOn };
    const svc = pulumi.interpolate`resource.type="cloud_run_revision" AND resource.labels.service_name="${a.serviceName}"`;
    const channels = a.alarmEmail
      ? [
          new gcp.monitoring.NotificationChannel(
            `${name}-email`,
            { project: a.project, type: "email", displayName: `estat-mcp alerts (${a.alarmEmail})`, labels: { email_address: a.alarmEmail } },
            o,
          ).name,
        ]
      : [];
    const run = (m: string) => pulumi.interpolate`${svc} AND metric.type="run.googleapis.com/${m}"`;
    const metrics = Object.entries(LOG_METRICS).map(
      ([key, m]) =>
        new gcp.logging.Metric(
          `${name}-${key}`,
          {
            project: a.project,
            name: m.id,
            filter: pulumi.interpolate`${svc} AND ${m.filter}`,
            metricDescriptor: { metricKind: "DELTA", valueType: "INT64", unit: "1" },
          },
          o,
        ),
    );
    const restarts = new gcp.logging.Metric(
      `${name}-restarts`,
      {
        project: a.project,
        name: "estat-mcp/container_restarts",
        // Cloud Run's system log records each container exit and failed probe.
        filter: pulumi.interpolate`${svc} AND log_id("run.googleapis.com/varlog/system") AND (textPayload:"Container called exit" OR textPayload:"probe failed" OR textPayload:"Memory limit")`,
        metricDescriptor: { metricKind: "DELTA", valueType: "INT64", unit: "1" },
      },
      o,
    );
    const policy = (key: string, displayName: string, condition: gcp.types.input.monitoring.AlertPolicyConditionConditionThreshold) =>
      new gcp.monitoring.AlertPolicy(
        `${name}-${key}`,
        {
          project: a.project,
          displayName,
          combiner: "OR",
          notificationChannels: channels,
          conditions: [{ displayName, conditionThreshold: condition }],
          alertStrategy: { autoClose: "1800s" },
        },
        o,
      );
    const rate = [{ alignmentPeriod: "300s", perSeriesAligner: "ALIGN_RATE", crossSeriesReducer: "REDUCE_SUM" }];
    this.alertPolicies = [
      policy("5xx-ratio", "estat-mcp: more than 5% of requests answered 5xx", {
        filter: pulumi.interpolate`${run("request_count")} AND metric.labels.response_code_class="5xx"`,
        denominatorFilter: run("request_count"),
        aggregations: rate,
        denominatorAggregations: rate,
        comparison: "COMPARISON_GT",
        thresholdValue: 0.05,
        duration: "300s",
      }),
      policy("p99-latency", "estat-mcp: p99 request latency above 60 s", {
        filter: run("request_latencies"),
        aggregations: [{ alignmentPeriod: "300s", perSeriesAligner: "ALIGN_PERCENTILE_99", crossSeriesReducer: "REDUCE_MAX" }],
        comparison: "COMPARISON_GT",
        thresholdValue: 60_000,
        duration: "600s",
      }),
      policy("instances-at-max", `estat-mcp: running at the maximum of ${a.maxInstances} instances`, {
        filter: run("container/instance_count"),
        aggregations: [{ alignmentPeriod: "60s", perSeriesAligner: "ALIGN_MAX", crossSeriesReducer: "REDUCE_SUM" }],
        comparison: "COMPARISON_GT",
        thresholdValue: a.maxInstances - 0.5,
        duration: "300s",
      }),
      policy("restarts", "estat-mcp: containers restarting", {
        filter: pulumi.interpolate`metric.type="logging.googleapis.com/user/${restarts.name}" AND resource.type="cloud_run_revision" AND resource.labels.service_name="${a.serviceName}"`,
        aggregations: [{ alignmentPeriod: "300s", perSeriesAligner: "ALIGN_SUM", crossSeriesReducer: "REDUCE_SUM" }],
        comparison: "COMPARISON_GT",
        thresholdValue: 2,
        duration: "0s",
      }),
    ];
    new gcp.monitoring.UptimeCheckConfig(
      `${name}-uptime`,
      {
        project: a.project,
        displayName: "estat-mcp /healthz",
        timeout: "10s",
        period: a.warm ? "60s" : "900s",
        httpCheck: { path: "/healthz", port: 443, useSsl: true, validateSsl: true, requestMethod: "GET" },
        monitoredResource: { type: "uptime_url", labels: { project_id: a.project, host: a.host } },
      },
      o,
    );
    if (a.dashboard) {
      const tile = (title: string, filter: pulumi.Input<string>, aligner: string) => ({
        title,
        xyChart: {
          dataSets: [{ timeSeriesQuery: { timeSeriesFilter: { filter, aggregation: { alignmentPeriod: "60s", perSeriesAligner: aligner } } } }],
        },
      });
      const d = new gcp.monitoring.Dashboard(
        `${name}-dashboard`,
        {
          project: a.project,
          dashboardJson: pulumi
            .all([run("request_count"), run("request_latencies"), run("container/instance_count"), ...metrics.map((m) => m.name)])
            .apply(([count, lat, inst, toolErr, estatErr]) =>
              JSON.stringify({
                displayName: "estat-mcp",
                gridLayout: {
                  columns: "2",
                  widgets: [
                    tile("Requests", count, "ALIGN_RATE"),
                    tile("Latency p99", lat, "ALIGN_PERCENTILE_99"),
                    tile("Instances", inst, "ALIGN_MAX"),
                    tile("Tool errors", `metric.type="logging.googleapis.com/user/${toolErr}"`, "ALIGN_RATE"),
                    tile("e-Stat failures", `metric.type="logging.googleapis.com/user/${estatErr}"`, "ALIGN_RATE"),
                  ],
                },
              }),
            ),
        },
        o,
      );
      this.dashboardUrl = pulumi.interpolate`https://console.cloud.google.com/monitoring/dashboards/builder/${d.id.apply((id) => id.split("/").pop())}?project=${a.project}`;
    }
    this.registerOutputs({});
  }
}

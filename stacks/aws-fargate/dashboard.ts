/** The CloudWatch dashboard of an aws-fargate stack: ALB, ECS and the server's log metrics. */
export function dashboardBody(
  region: string,
  lb: string,
  tg: string,
  cluster: string,
  service: string,
  namespace: string,
  containerInsights: boolean,
) {
  const widget = (title: string, metrics: unknown[][], extra: object = {}) => ({
    type: "metric",
    width: 12,
    height: 6,
    properties: { title, region, metrics, view: "timeSeries", period: 60, ...extra },
  });
  const elb = "AWS/ApplicationELB";
  return {
    widgets: [
      widget("Requests and 5xx", [
        [elb, "RequestCount", "LoadBalancer", lb, { stat: "Sum" }],
        [elb, "HTTPCode_ELB_5XX_Count", "LoadBalancer", lb, { stat: "Sum" }],
        [elb, "HTTPCode_Target_5XX_Count", "LoadBalancer", lb, { stat: "Sum" }],
      ]),
      widget("Target response time", [
        [elb, "TargetResponseTime", "LoadBalancer", lb, { stat: "p50" }],
        [elb, "TargetResponseTime", "LoadBalancer", lb, { stat: "p99" }],
      ]),
      widget("Targets", [
        [elb, "HealthyHostCount", "TargetGroup", tg, "LoadBalancer", lb, { stat: "Minimum" }],
        [elb, "UnHealthyHostCount", "TargetGroup", tg, "LoadBalancer", lb, { stat: "Maximum" }],
      ]),
      widget("CPU and memory (%)", [
        ["AWS/ECS", "CPUUtilization", "ClusterName", cluster, "ServiceName", service],
        ["AWS/ECS", "MemoryUtilization", "ClusterName", cluster, "ServiceName", service],
      ]),
      ...(containerInsights
        ? [
            widget("Tasks", [
              ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", cluster, "ServiceName", service],
              ["ECS/ContainerInsights", "DesiredTaskCount", "ClusterName", cluster, "ServiceName", service],
            ]),
          ]
        : []),
      widget("Tool and e-Stat errors", [
        [namespace, "ToolErrors", { stat: "Sum" }],
        [namespace, "EstatErrors", { stat: "Sum" }],
      ]),
    ],
  };
}

import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";

/** The APIs the stack uses; `compute` only with the load balancer. */
export const APIS = ["run", "artifactregistry", "secretmanager", "iam", "storage", "monitoring", "logging"] as const;

/**
 * Enables each API on the project. `disableOnDestroy: false`: a `pulumi destroy` must not switch off an
 * API other things in the project use. Every other resource depends on these.
 */
export function enableApis(
  project: string,
  extra: string[],
  opts: pulumi.CustomResourceOptions,
): gcp.projects.Service[] {
  return [...APIS, ...extra].map(
    (api) =>
      new gcp.projects.Service(
        `estat-mcp-api-${api}`,
        { project, service: `${api}.googleapis.com`, disableOnDestroy: false, disableDependentServices: false },
        opts,
      ),
  );
}

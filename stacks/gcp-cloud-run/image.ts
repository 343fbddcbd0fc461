import * as dockerBuild from "@pulumi/docker-build";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface ServerImageArgs {
  project: string;
  region: string;
  /** Images kept; the cleanup policy deletes older ones. */
  keep: number;
  /** The provider, for the access token that logs the build into Artifact Registry. */
  provider: gcp.Provider;
}

/**
 * Artifact Registry (Docker) and the server image built from the repo's Dockerfile and pushed in the
 * program, for linux/amd64 (Cloud Run's architecture). The service runs the image by digest, so each
 * build that changes the image makes a new revision. Like awsx.ecr.Image this needs a Docker daemon
 * (with buildx) wherever `pulumi up` runs.
 */
export class ServerImage extends pulumi.ComponentResource {
  readonly repository: gcp.artifactregistry.Repository;
  /** `<region>-docker.pkg.dev/<project>/<repo>/server@sha256:…` */
  readonly imageRef: pulumi.Output<string>;

  constructor(name: string, args: ServerImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:gcp:ServerImage", name, {}, opts);
    const self = { parent: this };
    this.repository = new gcp.artifactregistry.Repository(
      `${name}-repo`,
      {
        project: args.project,
        location: args.region,
        repositoryId: name,
        format: "DOCKER",
        description: "estat-mcp server images",
        cleanupPolicyDryRun: false,
        cleanupPolicies: [
          { id: "keep-recent", action: "KEEP", mostRecentVersions: { keepCount: args.keep } },
          { id: "delete-older", action: "DELETE", condition: { tagState: "ANY", olderThan: "86400s" } },
        ],
        labels: { app: "estat-mcp" },
      },
      self,
    );
    const host = `${args.region}-docker.pkg.dev`;
    const repoUrl = pulumi.interpolate`${host}/${args.project}/${this.repository.repositoryId}/server`;
    const token = gcp.organizations.getClientConfigOutput({ provider: args.provider, parent: this }).accessToken;
    const image = new dockerBuild.Image(
      `${name}-image`,
      {
        context: { location: "." },
        dockerfile: { location: "Dockerfile" },
        platforms: ["linux/amd64"],
        push: true,
        tags: [pulumi.interpolate`${repoUrl}:latest`],
        registries: [{ address: host, username: "oauth2accesstoken", password: pulumi.secret(token) }],
      },
      self,
    );
    this.imageRef = pulumi.interpolate`${repoUrl}@${image.digest}`;
    this.registerOutputs({ imageRef: this.imageRef });
  }
}

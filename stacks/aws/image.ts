import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";

export type CpuArchitecture = "ARM64" | "X86_64";

/** The Docker platform whose binaries run on a given CPU architecture. */
export function dockerPlatform(arch: CpuArchitecture): string {
  return arch === "ARM64" ? "linux/arm64" : "linux/amd64";
}

export interface ContainerImageArgs {
  architecture: CpuArchitecture;
  /** Images kept in the repository; older ones are expired. */
  keep: number;
  /** Delete the repository even when it holds images (dev). */
  forceDelete: boolean;
  /** Build context and Dockerfile, relative to the project root. */
  context?: string;
  dockerfile?: string;
}

/** The server image, built from the repo's Dockerfile and pushed to ECR. Fargate and Lambda both run it. */
export class ContainerImage extends pulumi.ComponentResource {
  readonly repository: aws.ecr.Repository;
  readonly imageUri: pulumi.Output<string>;
  readonly platform: string;

  constructor(name: string, args: ContainerImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("estat-mcp:aws:ContainerImage", name, {}, opts);
    const self = { parent: this };
    this.platform = dockerPlatform(args.architecture);
    this.repository = new aws.ecr.Repository(
      `${name}-repo`,
      {
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: "MUTABLE",
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        forceDelete: args.forceDelete,
      },
      self,
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      {
        repository: this.repository.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: `Keep the last ${args.keep} images`,
              selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: args.keep },
              action: { type: "expire" },
            },
          ],
        }),
      },
      self,
    );
    const image = new awsx.ecr.Image(
      `${name}-image`,
      {
        repositoryUrl: this.repository.repositoryUrl,
        context: args.context ?? ".",
        dockerfile: args.dockerfile ?? "Dockerfile",
        platform: this.platform,
      },
      self,
    );
    this.imageUri = image.imageUri;
    this.registerOutputs({ imageUri: this.imageUri });
  }
}

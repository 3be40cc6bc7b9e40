import type { ComputeType, CreateProjectCommandInput, Project } from "@aws-sdk/client-codebuild";
import type { AwsClients } from "../../../aws/clients.js";
import { awsErrorName } from "../../../aws/errors.js";
import { sleep } from "../../../util/time.js";
import { toYaml } from "../../../util/yaml.js";
import type { Progress } from "../../resource.js";
import type { CodeBuildInputs } from "./inputs.js";

/** The CodeBuild project: its buildspec, its machine, made or updated, and deleted. */

/**
 * version 0.2 buildspec. Build and push share one phase so a failed build never pushes; the
 * platform pins the image architecture to what the Lambda functions declare.
 */
export function buildspec(): string {
  return toYaml({
    version: 0.2,
    env: { variables: { DOCKER_BUILDKIT: "1" } },
    phases: {
      pre_build: {
        commands: [
          "aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login --username AWS --password-stdin $ECR_HOST",
        ],
      },
      build: {
        commands: [
          'docker build --platform "$PLATFORM" --provenance=false --tag "$IMAGE_TAG" --file "$DOCKERFILE" .',
          'docker push "$IMAGE_TAG"',
        ],
      },
    },
  });
}

/** Where a person follows the build in the console (the API's deep link only exists once logs do). */
export function buildConsoleUrl(region: string, project: string, id: string): string {
  return `https://${region}.console.aws.amazon.com/codesuite/codebuild/projects/${project}/build/${encodeURIComponent(id)}/log?region=${region}`;
}

/** CodeBuild machine for the platform: arm64 images build on Graviton, others on x86_64. */
export function codebuildEnvironment(platform: string, computeType: string) {
  const arm = /arm64|aarch64/.test(platform);
  return {
    type: arm ? "ARM_CONTAINER" : "LINUX_CONTAINER",
    image: arm
      ? "aws/codebuild/amazonlinux-aarch64-standard:3.0"
      : "aws/codebuild/amazonlinux-x86_64-standard:5.0",
    computeType: computeType as ComputeType,
    privilegedMode: true,
  } as const;
}

/** Creates or updates the project; UpdateProject only when a setting differs. */
export async function ensureProject(
  clients: AwsClients,
  inputs: CodeBuildInputs,
  roleArn: string,
  roleIsNew: boolean,
  progress: Progress,
): Promise<void> {
  const { CreateProjectCommand, UpdateProjectCommand } = await import("@aws-sdk/client-codebuild");
  const codebuild = await clients.codebuild();
  const name = inputs.build.codebuildProject;
  const wanted: CreateProjectCommandInput & {
    environment: ReturnType<typeof codebuildEnvironment>;
    source: { type: "S3"; location: string };
    serviceRole: string;
  } = {
    name,
    description: "magic-pocket image builder",
    source: { type: "S3", location: `${inputs.stateBucket}/${inputs.build.codebuildSourceKey}` },
    artifacts: { type: "NO_ARTIFACTS" },
    environment: codebuildEnvironment(inputs.platform, inputs.build.computeType),
    serviceRole: roleArn,
  };
  const existing = await findProject(clients, name);
  if (existing && projectMatches(existing, wanted)) return;
  progress.update(`${existing ? "updating" : "creating"} CodeBuild project ${name}`);
  // A role made seconds ago is not yet assumable everywhere: CodeBuild says so, and we wait.
  for (let attempt = 1; ; attempt++) {
    try {
      if (existing) await codebuild.send(new UpdateProjectCommand(wanted));
      else await codebuild.send(new CreateProjectCommand(wanted));
      return;
    } catch (error) {
      const propagating =
        awsErrorName(error) === "InvalidInputException" &&
        /not authorized|assume/i.test(String((error as Error).message));
      if (!roleIsNew || !propagating || attempt >= 12) throw error;
      progress.update(`waiting for the new IAM role to propagate (${attempt})`);
      await sleep(5000);
    }
  }
}

function projectMatches(
  p: Project,
  wanted: {
    source: { location: string };
    environment: ReturnType<typeof codebuildEnvironment>;
    serviceRole: string;
  },
): boolean {
  return (
    p.source?.type === "S3" &&
    p.source.location === wanted.source.location &&
    p.environment?.type === wanted.environment.type &&
    p.environment.image === wanted.environment.image &&
    p.environment.computeType === wanted.environment.computeType &&
    p.environment.privilegedMode === true &&
    p.serviceRole === wanted.serviceRole
  );
}

/** The project as CodeBuild has it, if there is one. */
async function findProject(clients: AwsClients, name: string): Promise<Project | undefined> {
  const { BatchGetProjectsCommand } = await import("@aws-sdk/client-codebuild");
  return (await (await clients.codebuild()).send(new BatchGetProjectsCommand({ names: [name] })))
    .projects?.[0];
}

/** Deletes the project; false when there is none. */
export async function deleteCodeBuildProject(
  clients: AwsClients,
  name: string,
  progress: Progress,
): Promise<boolean> {
  if (!(await findProject(clients, name))) return false;
  const { DeleteProjectCommand } = await import("@aws-sdk/client-codebuild");
  progress.update(`deleting CodeBuild project ${name}`);
  try {
    await (await clients.codebuild()).send(new DeleteProjectCommand({ name }));
  } catch (error) {
    if (awsErrorName(error) !== "ResourceNotFoundException") throw error;
  }
  return true;
}

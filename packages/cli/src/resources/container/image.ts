import type { BuildBackend, ContainerContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { changedOutsideSdk } from "../../aws/read-ahead.js";
import { CliError } from "../../errors.js";
import { runTool } from "../../util/process.js";
import type { BuilderEnvironment, Progress, Timing } from "../resource.js";
import { dockerEngineAvailable } from "./docker.js";
import { taggedDigest } from "./ecr.js";
import type { ImageRef } from "./given-image.js";

/**
 * Building the stage's image with the configured builder: Docker here, depot, or CodeBuild in
 * the stage's account (`./codebuild/`). Each pushes `{repository}:{stage}`; the digest is read
 * back from ECR.
 */

/** What a build takes besides the container's context. */
export interface BuildOptions {
  stateBucket: string;
  rebuild: boolean;
  timing: Timing;
  builders: BuilderEnvironment;
}

/**
 * The builder a deploy uses: `auto` is Docker when an engine answers, else CodeBuild
 * (docs/decisions.md#d8-undocumented-keys-of-the-original).
 */
async function resolveBackend(c: ContainerContext): Promise<BuildBackend> {
  if (c.build.backend !== "auto") return c.build.backend;
  return (await dockerEngineAvailable()) ? "docker" : "codebuild";
}

/** What decides whether a CodeBuild build is due: the sources, and the image the stage has now. */
function codebuildSources(c: ContainerContext, cwd: string, stateBucket: string) {
  return {
    build: c.build,
    stateBucket,
    platform: c.platform,
    dockerfile: c.dockerfilePath,
    cwd,
    repository: c.ecrRepository,
    imageTag: c.imageTag,
  };
}

/**
 * For `pocket plan`: the builder a deploy would run, or false when it would not build. Docker
 * and depot always build (their caches make an unchanged build cheap); CodeBuild only for
 * changed sources.
 */
export async function plannedBuilder(
  clients: AwsClients,
  c: ContainerContext,
  cwd: string,
  options: { stateBucket: string; rebuild: boolean },
): Promise<false | "Docker" | "CodeBuild" | "depot"> {
  const backend = await resolveBackend(c);
  if (backend === "docker") return "Docker";
  if (backend === "depot") return "depot";
  if (options.rebuild) return "CodeBuild";
  const { codebuildWouldBuild } = await import("./codebuild/build.js");
  return (await codebuildWouldBuild(clients, codebuildSources(c, cwd, options.stateBucket)))
    ? "CodeBuild"
    : false;
}

/**
 * Builds the Dockerfile and pushes it as `{repository}:{stage}`, then reads the pushed digest
 * back from ECR (the tag moves; the digest is what the stack deploys).
 */
export async function buildAndPush(
  clients: AwsClients,
  c: ContainerContext,
  repositoryUri: string,
  cwd: string,
  progress: Progress,
  options: BuildOptions,
): Promise<ImageRef> {
  const target = `${repositoryUri}:${c.imageTag}`;
  const backend = await resolveBackend(c);
  if (backend === "codebuild" && c.build.backend === "auto")
    progress.log("no Docker engine answers here: building with CodeBuild in your account");
  if (backend === "codebuild") {
    const { codebuildBuildAndPush } = await import("./codebuild/build.js");
    const result = await codebuildBuildAndPush(
      clients,
      {
        ...codebuildSources(c, cwd, options.stateBucket),
        target,
        permissionsBoundary: options.builders.codebuildPermissionsBoundary || c.permissionsBoundary,
        rebuild: options.rebuild,
        timing: options.timing,
      },
      progress,
    );
    return { uri: `${repositoryUri}@${result.digest}`, digest: result.digest };
  }
  if (backend === "docker") await dockerBuild(clients, c, repositoryUri, target, cwd, progress);
  else await depotBuild(c, target, cwd, options.builders, progress);
  // The push went to ECR outside the SDK: a tag read ahead of it must not answer the read below.
  changedOutsideSdk();
  const digest = await taggedDigest(clients, c.ecrRepository, c.imageTag);
  if (!digest) {
    throw new CliError("image-not-pushed", `the build finished but ${target} is not in ECR.`, {
      hint: "Check the build output above: the push step may have been skipped or gone to another registry.",
    });
  }
  return { uri: `${repositoryUri}@${digest}`, digest };
}

async function dockerBuild(
  clients: AwsClients,
  c: ContainerContext,
  repositoryUri: string,
  target: string,
  cwd: string,
  progress: Progress,
): Promise<void> {
  await dockerLogin(clients, repositoryUri, progress);
  progress.update(`docker buildx build --platform ${c.platform}`);
  const r = await runTool(
    "docker",
    [
      "buildx",
      "build",
      "--platform",
      c.platform,
      "--file",
      c.dockerfilePath,
      "--tag",
      target,
      "--provenance=false",
      "--push",
      ".",
    ],
    { cwd, progress },
  );
  if (r.code !== 0) throw buildFailed("docker buildx build", r.stderr);
}

async function depotBuild(
  c: ContainerContext,
  target: string,
  cwd: string,
  builders: BuilderEnvironment,
  progress: Progress,
): Promise<void> {
  const token = builders.depotToken;
  if (!token) {
    throw new CliError("depot-token-missing", "the depot builder needs DEPOT_TOKEN (or DEPOT_API_KEY).", {
      hint: "Create a token in depot.dev and export DEPOT_TOKEN before deploying.",
    });
  }
  const project = c.build.depotProjectId ?? builders.depotProjectId;
  const args = [
    "build",
    ".",
    "--file",
    c.dockerfilePath,
    "--tag",
    target,
    "--platform",
    c.platform,
    "--push",
  ];
  if (project) args.push("--project", project);
  progress.update("depot build");
  const r = await runTool("depot", args, { cwd, progress, addEnv: { DEPOT_TOKEN: token } });
  if (r.code !== 0) throw buildFailed("depot build", r.stderr);
}

async function dockerLogin(clients: AwsClients, repositoryUri: string, progress: Progress): Promise<void> {
  const { GetAuthorizationTokenCommand } = await import("@aws-sdk/client-ecr");
  const out = await (await clients.ecr()).send(new GetAuthorizationTokenCommand({}));
  const token = out.authorizationData?.[0]?.authorizationToken;
  if (!token) throw new CliError("ecr-login", "ECR returned no authorization token.");
  const [user, password] = Buffer.from(token, "base64").toString("utf8").split(":");
  const registry = repositoryUri.split("/")[0]!;
  progress.update(`docker login ${registry}`);
  const r = await runTool("docker", ["login", "--username", user!, "--password-stdin", registry], {
    input: password,
  });
  if (r.code !== 0) throw buildFailed("docker login", r.stderr);
}

function buildFailed(step: string, stderr: string): CliError {
  const tail = stderr.trim().split("\n").slice(-8).join("\n");
  return new CliError("image-build-failed", `${step} failed:\n${tail}`, {
    hint: "Fix the build (try the same docker command locally), then deploy again. Nothing was deployed.",
  });
}

import type { BuildBackend, ContainerContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { awsErrorName } from "../../aws/errors.js";
import { CliError } from "../../errors.js";
import { runTool } from "../../util/process.js";
import type { Progress, Timing } from "../resource.js";
import { dockerEngineAvailable } from "./docker.js";

export interface ImageRef {
  /** `{registry}/{repository}@sha256:{hex}` */
  uri: string;
  digest: string;
}

const DIGEST_URI =
  /^([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^@:\s]+)@(sha256:[a-f0-9]{64})$/;

/** The repository for the stage's images; created on first use (docs/decisions.md#i1-the-ecr-repository). */
export async function ensureRepository(
  clients: AwsClients,
  name: string,
): Promise<{ uri: string; created: boolean }> {
  const existing = await describeRepository(clients, name);
  if (existing) return { uri: existing, created: false };
  const { CreateRepositoryCommand } = await import("@aws-sdk/client-ecr");
  const out = await (await clients.ecr()).send(
    new CreateRepositoryCommand({ repositoryName: name, imageScanningConfiguration: { scanOnPush: true } }),
  );
  return { uri: out.repository!.repositoryUri!, created: true };
}

export async function describeRepository(clients: AwsClients, name: string): Promise<string | undefined> {
  const { DescribeRepositoriesCommand } = await import("@aws-sdk/client-ecr");
  try {
    const out = await (await clients.ecr()).send(
      new DescribeRepositoriesCommand({ repositoryNames: [name] }),
    );
    return out.repositories?.[0]?.repositoryUri;
  } catch (error) {
    if (awsErrorName(error) === "RepositoryNotFoundException") return undefined;
    throw error;
  }
}

/** The digest currently tagged with the stage, if any. */
export async function taggedDigest(
  clients: AwsClients,
  repository: string,
  tag: string,
): Promise<string | undefined> {
  const { DescribeImagesCommand } = await import("@aws-sdk/client-ecr");
  try {
    const out = await (await clients.ecr()).send(
      new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }),
    );
    return out.imageDetails?.[0]?.imageDigest;
  } catch (error) {
    const name = awsErrorName(error);
    if (name === "ImageNotFoundException" || name === "RepositoryNotFoundException") return undefined;
    throw error;
  }
}

/**
 * `--image URI@sha256:DIGEST`: an image built elsewhere (CI, or another stage). Its shape and
 * region are checked offline, before any AWS call; `verifyGivenImage` then finds it in ECR.
 */
export function parseGivenImage(image: string, region: string): ImageRef & { repository: string } {
  const m = DIGEST_URI.exec(image);
  if (!m) {
    throw new CliError("image-not-digest", `--image must be an ECR image by digest, got "${image}".`, {
      hint: "Use ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY@sha256:<64 hex> (docker inspect or `aws ecr describe-images` prints it).",
    });
  }
  const [, , imageRegion, repository, digest] = m;
  if (imageRegion !== region) {
    throw new CliError(
      "image-wrong-region",
      `--image is in ${imageRegion}, but the stage deploys to ${region}.`,
      {
        hint: "Lambda only runs images from ECR in its own region; replicate or push the image there first.",
      },
    );
  }
  return { uri: image, digest: digest!, repository: repository! };
}

/**
 * Finds a given image in ECR (read-only): Lambda only runs images from ECR in the function's own
 * region. `unchanged` says the caller has changed nothing yet, so the error may say so: a deploy
 * checks `--image` before its first change (docs/decisions.md#p23-inputs-checked-before-the-first-change).
 */
export async function verifyGivenImage(
  clients: AwsClients,
  image: string,
  options: { unchanged: boolean },
): Promise<ImageRef> {
  const ref = parseGivenImage(image, clients.region);
  const { DescribeImagesCommand } = await import("@aws-sdk/client-ecr");
  try {
    await (await clients.ecr()).send(
      new DescribeImagesCommand({ repositoryName: ref.repository, imageIds: [{ imageDigest: ref.digest }] }),
    );
  } catch (error) {
    const name = awsErrorName(error);
    if (name === "ImageNotFoundException" || name === "RepositoryNotFoundException") {
      throw new CliError(
        "image-not-found",
        `the image ${image} is not in ECR (${name})${options.unchanged ? "; nothing was changed" : ""}.`,
        {
          hint: "Push it first, or deploy without --image to build from the Dockerfile.",
        },
      );
    }
    throw error;
  }
  return { uri: ref.uri, digest: ref.digest };
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
function codebuildSources(clients: AwsClients, c: ContainerContext, cwd: string, stateBucket: string) {
  return {
    build: c.build,
    stateBucket,
    platform: c.platform,
    dockerfile: c.dockerfilePath,
    cwd,
    currentDigest: () => taggedDigest(clients, c.ecrRepository, c.imageTag),
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
  const { codebuildWouldBuild } = await import("./codebuild.js");
  return (await codebuildWouldBuild(clients, codebuildSources(clients, c, cwd, options.stateBucket)))
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
  options: { stateBucket: string; rebuild: boolean; timing: Timing },
): Promise<ImageRef> {
  const target = `${repositoryUri}:${c.imageTag}`;
  const backend = await resolveBackend(c);
  if (backend === "codebuild" && c.build.backend === "auto")
    progress.log("no Docker engine answers here: building with CodeBuild in your account");
  if (backend === "codebuild") {
    const { codebuildBuildAndPush } = await import("./codebuild.js");
    const result = await codebuildBuildAndPush(
      clients,
      {
        ...codebuildSources(clients, c, cwd, options.stateBucket),
        target,
        repository: c.ecrRepository,
        permissionsBoundary: c.permissionsBoundary,
        rebuild: options.rebuild,
        timing: options.timing,
      },
      progress,
    );
    return { uri: `${repositoryUri}@${result.digest}`, digest: result.digest };
  } else if (backend === "docker") {
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
  } else {
    const token = process.env.DEPOT_TOKEN ?? process.env.DEPOT_API_KEY;
    if (!token) {
      throw new CliError("depot-token-missing", "the depot builder needs DEPOT_TOKEN (or DEPOT_API_KEY).", {
        hint: "Create a token in depot.dev and export DEPOT_TOKEN before deploying.",
      });
    }
    const project = c.build.depotProjectId ?? process.env.DEPOT_PROJECT_ID;
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
    const r = await runTool("depot", args, { cwd, progress, env: { ...process.env, DEPOT_TOKEN: token } });
    if (r.code !== 0) throw buildFailed("depot build", r.stderr);
  }
  const digest = await taggedDigest(clients, c.ecrRepository, c.imageTag);
  if (!digest) {
    throw new CliError("image-not-pushed", `the build finished but ${target} is not in ECR.`, {
      hint: "Check the build output above: the push step may have been skipped or gone to another registry.",
    });
  }
  return { uri: `${repositoryUri}@${digest}`, digest };
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

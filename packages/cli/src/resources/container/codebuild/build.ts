import type { Build } from "@aws-sdk/client-codebuild";
import type { AwsClients } from "../../../aws/clients.js";
import { bucketObject } from "../../../buckets/object.js";
import { CliError } from "../../../errors.js";
import { pollUntil } from "../../../util/time.js";
import type { Progress } from "../../resource.js";
import { zipBuildContext } from "../build-context.js";
import { taggedDigest } from "../ecr.js";
import type { CodeBuildInputs } from "./inputs.js";
import { buildConsoleUrl, buildspec, ensureProject } from "./project.js";
import { ensureRole } from "./role.js";

/**
 * The CodeBuild build loop (`inputs.ts` says what the builder is). Builds are skipped when the
 * zipped sources, Dockerfile and platform equal those of the last build and that build's image
 * is still the one tagged for the stage.
 */

/** Written to the state bucket after a successful build; compared before the next one. */
interface LastBuild {
  source: string;
  dockerfile: string;
  platform: string;
  digest: string;
}

export interface CodeBuildResult {
  built: boolean;
  digest: string;
}

/** The inputs that decide whether a build is due. */
type CodeBuildSources = Pick<
  CodeBuildInputs,
  "build" | "stateBucket" | "repository" | "imageTag" | "cwd" | "dockerfile" | "platform"
>;

export async function codebuildBuildAndPush(
  clients: AwsClients,
  inputs: CodeBuildInputs,
  progress: Progress,
): Promise<CodeBuildResult> {
  progress.update("zipping the build context");
  const { archive, wanted } = await zipSources(inputs);
  if (archive.skippedLinks.length > 0) {
    progress.log(
      `notice: not sent to CodeBuild, symlinks that point outside ${inputs.cwd}: ${archive.skippedLinks.join(", ")}`,
    );
  }
  if (!inputs.rebuild) {
    const digest = await unchangedImage(clients, inputs, wanted);
    if (digest) {
      progress.log(
        `image sources unchanged since the last CodeBuild build (${digest.slice(0, 19)}); not rebuilt`,
      );
      return { built: false, digest };
    }
  }
  const source = bucketObject(clients, inputs.stateBucket, inputs.build.codebuildSourceKey);
  const mb = (archive.zip.byteLength / 1024 / 1024).toFixed(1);
  progress.update(`uploading the build context (${archive.files} files, ${mb} MB)`);
  const [, role] = await Promise.all([
    source.put(archive.zip, "application/zip"),
    ensureRole(clients, inputs, progress),
  ]);
  await ensureProject(clients, inputs, role.arn, role.created, progress);
  const finished = await runBuild(clients, inputs, progress);
  const digest = await pushedDigest(clients, inputs, finished);
  await bucketObject(clients, inputs.stateBucket, inputs.build.codebuildStateKey).writeJson({
    ...wanted,
    digest,
  } satisfies LastBuild);
  await source.remove();
  return { built: true, digest };
}

/** Starts the build with this deploy's target and waits for it to succeed. */
async function runBuild(clients: AwsClients, inputs: CodeBuildInputs, progress: Progress): Promise<Build> {
  const project = inputs.build.codebuildProject;
  const registry = inputs.target.split("/")[0]!;
  const { StartBuildCommand } = await import("@aws-sdk/client-codebuild");
  const codebuild = await clients.codebuild();
  const started = await codebuild.send(
    new StartBuildCommand({
      projectName: project,
      buildspecOverride: buildspec(),
      environmentVariablesOverride: [
        { name: "IMAGE_TAG", value: inputs.target, type: "PLAINTEXT" },
        { name: "DOCKERFILE", value: inputs.dockerfile, type: "PLAINTEXT" },
        { name: "PLATFORM", value: inputs.platform, type: "PLAINTEXT" },
        { name: "ECR_HOST", value: registry, type: "PLAINTEXT" },
      ],
    }),
  );
  const id = started.build!.id!;
  progress.log(`CodeBuild build started; its log: ${buildConsoleUrl(clients.region, project, id)}`);
  const finished = await waitForBuild(clients, id, progress, inputs.timing.codebuildPollMs);
  if (finished.buildStatus !== "SUCCEEDED") throw buildFailure(finished);
  return finished;
}

/** The digest the finished build pushed, read back from ECR. */
async function pushedDigest(clients: AwsClients, inputs: CodeBuildInputs, finished: Build): Promise<string> {
  const digest = await taggedDigest(clients, inputs.repository, inputs.imageTag);
  if (digest) return digest;
  throw new CliError("image-not-pushed", `CodeBuild reported success, but ${inputs.target} is not in ECR.`, {
    hint: `${finished.logs?.deepLink ? `The build log: ${finished.logs.deepLink}\n` : ""}The build log shows where its docker push went; it must be ${inputs.target}.`,
  });
}

/**
 * The digest of the stage's image when the last build was made from exactly these sources and
 * that image is still the one tagged for the stage; undefined when a build is due.
 */
async function unchangedImage(
  clients: AwsClients,
  inputs: CodeBuildSources,
  wanted: Omit<LastBuild, "digest">,
): Promise<string | undefined> {
  const [last, digest] = await Promise.all([
    bucketObject(clients, inputs.stateBucket, inputs.build.codebuildStateKey).readJson<LastBuild>(),
    taggedDigest(clients, inputs.repository, inputs.imageTag),
  ]);
  const same =
    typeof last?.source === "string" &&
    digest !== undefined &&
    last.digest === digest &&
    last.source === wanted.source &&
    last.dockerfile === wanted.dockerfile &&
    last.platform === wanted.platform;
  return same ? digest : undefined;
}

/** The zipped build context, and the record a build of it would leave. */
async function zipSources(inputs: CodeBuildSources) {
  const archive = await zipBuildContext(inputs.cwd, inputs.dockerfile);
  const wanted = { source: archive.sha256, dockerfile: inputs.dockerfile, platform: inputs.platform };
  return { archive, wanted };
}

/** For `pocket plan`: would a deploy start a CodeBuild build? */
export async function codebuildWouldBuild(clients: AwsClients, inputs: CodeBuildSources): Promise<boolean> {
  const { wanted } = await zipSources(inputs);
  return (await unchangedImage(clients, inputs, wanted)) === undefined;
}

/** CodeBuild's own longest build timeout is 8 hours; pocket gives up waiting after that too. */
const BUILD_DEADLINE_MS = 8 * 60 * 60_000;

async function waitForBuild(clients: AwsClients, id: string, progress: Progress, everyMs: number) {
  const { BatchGetBuildsCommand } = await import("@aws-sdk/client-codebuild");
  const codebuild = await clients.codebuild();
  const t0 = Date.now();
  return pollUntil(
    `the CodeBuild build ${id}`,
    async () => {
      const build = (await codebuild.send(new BatchGetBuildsCommand({ ids: [id] }))).builds?.[0];
      if (!build) throw new CliError("codebuild-lost", `CodeBuild no longer knows the build ${id}.`);
      if (build.buildStatus && build.buildStatus !== "IN_PROGRESS") return build;
      progress.update(
        `CodeBuild ${(build.currentPhase ?? "queued").toLowerCase()} (${Math.round((Date.now() - t0) / 1000)} s)`,
      );
      return undefined;
    },
    {
      everyMs,
      timeoutMs: BUILD_DEADLINE_MS,
      hint: "Check the build in the CodeBuild console; deploy again when it has ended.",
    },
  );
}

/** The failed phases with CodeBuild's own reason, and where the full log is. */
export function buildFailure(build: Build): CliError {
  const lines = (build.phases ?? [])
    .filter((p) => p.phaseStatus && p.phaseStatus !== "SUCCEEDED")
    .map(
      (p) =>
        `  ${p.phaseType}: ${p.phaseStatus}${p.contexts?.[0]?.message ? ` (${p.contexts[0].message})` : ""}`,
    );
  const logs = build.logs?.deepLink;
  return new CliError(
    "image-build-failed",
    `the CodeBuild build ${build.id} ended ${build.buildStatus}.${lines.length ? `\n${lines.join("\n")}` : ""}`,
    {
      hint: `${logs ? `The build log: ${logs}\n` : ""}Fix the Dockerfile or the build context, then deploy again. Nothing was deployed.`,
    },
  );
}

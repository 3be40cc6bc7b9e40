import type { Build, ComputeType, CreateProjectCommandInput, Project } from "@aws-sdk/client-codebuild";
import type { ContainerContext } from "@magic-pocket/config";
import { stringify } from "yaml";
import { type AwsClients, accountId } from "../../aws/clients.js";
import { awsErrorName } from "../../aws/errors.js";
import { CliError } from "../../errors.js";
import { sleep } from "../../util/time.js";
import { bucketObject } from "../buckets/object.js";
import type { Progress } from "../resource.js";
import { zipBuildContext } from "./build-context.js";

/**
 * The `codebuild` builder (reference-deploy §7.5): the build context is zipped (honouring
 * .dockerignore), uploaded to the state bucket, and built and pushed by a privileged CodeBuild
 * project in the stage's account, so a laptop without Docker (or on another CPU) can deploy.
 * Builds are skipped when the zipped sources, Dockerfile and platform equal those of the last
 * build and that build's image is still the one tagged for the stage.
 */
export interface CodeBuildInputs {
  build: ContainerContext["build"];
  stateBucket: string;
  platform: string;
  dockerfile: string;
  /** `{repositoryUri}:{stage}` */
  target: string;
  /** The stage's ECR repository name (the build pushes there only). */
  repository: string;
  permissionsBoundary?: string;
  cwd: string;
  /** Build even when the sources did not change (`pocket deploy --rebuild`). */
  rebuild: boolean;
  /** The digest now tagged for the stage, if any. */
  currentDigest: () => Promise<string | undefined>;
}

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

const POLICY_NAME = "codebuild-policy";

export async function codebuildBuildAndPush(
  clients: AwsClients,
  inputs: CodeBuildInputs,
  progress: Progress,
): Promise<CodeBuildResult> {
  const { build } = inputs;
  const source = bucketObject(clients, inputs.stateBucket, build.codebuildSourceKey);
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
  const mb = (archive.zip.byteLength / 1024 / 1024).toFixed(1);
  progress.update(`uploading the build context (${archive.files} files, ${mb} MB)`);
  const [, roleArn] = await Promise.all([
    source.put(archive.zip, "application/zip"),
    ensureRole(clients, inputs, progress),
  ]);
  await ensureProject(clients, inputs, roleArn.arn, roleArn.created, progress);
  const registry = inputs.target.split("/")[0]!;
  const { StartBuildCommand } = await import("@aws-sdk/client-codebuild");
  const codebuild = await clients.codebuild();
  const started = await codebuild.send(
    new StartBuildCommand({
      projectName: build.codebuildProject,
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
  progress.log(
    `CodeBuild build started; its log: ${buildConsoleUrl(clients.region, build.codebuildProject, id)}`,
  );
  const finished = await waitForBuild(clients, id, progress);
  if (finished.buildStatus !== "SUCCEEDED") throw buildFailure(finished);
  const digest = await inputs.currentDigest();
  if (!digest) {
    throw new CliError(
      "image-not-pushed",
      `CodeBuild reported success, but ${inputs.target} is not in ECR.`,
      {
        hint: `${finished.logs?.deepLink ? `The build log: ${finished.logs.deepLink}\n` : ""}The build log shows where its docker push went; it must be ${inputs.target}.`,
      },
    );
  }
  await bucketObject(clients, inputs.stateBucket, build.codebuildStateKey).writeJson({
    ...wanted,
    digest,
  } satisfies LastBuild);
  await source.remove();
  return { built: true, digest };
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
    inputs.currentDigest(),
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

/** The inputs that decide whether a build is due. */
type CodeBuildSources = Pick<
  CodeBuildInputs,
  "build" | "stateBucket" | "currentDigest" | "cwd" | "dockerfile" | "platform"
>;

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

/**
 * version 0.2 buildspec. Build and push share one phase so a failed build never pushes; the
 * platform pins the image architecture to what the Lambda functions declare.
 */
export function buildspec(): string {
  return stringify(
    {
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
    },
    { lineWidth: 0 },
  );
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

function partition(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

export function codebuildPolicy(o: {
  region: string;
  account: string;
  bucket: string;
  project: string;
  /** The stage's repository: the only one the build may push to. */
  repository: string;
}) {
  const p = partition(o.region);
  const repositories = `arn:${p}:ecr:${o.region}:${o.account}:repository`;
  return {
    Version: "2012-10-17",
    Statement: [
      // GetAuthorizationToken has no resource-level permissions: AWS only accepts "*" here.
      { Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      {
        // Pulls: base images may come from any of the account's repositories in the region.
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        Resource: `${repositories}/*`,
      },
      {
        Effect: "Allow",
        Action: ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"],
        Resource: `${repositories}/${o.repository}`,
      },
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: `arn:${p}:s3:::${o.bucket}/codebuild/*`,
      },
      {
        Effect: "Allow",
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `arn:${p}:logs:${o.region}:${o.account}:log-group:/aws/codebuild/${o.project}*`,
      },
    ],
  };
}

/** IAM's "not found" (the SDK names it NoSuchEntityException, the wire NoSuchEntity). */
const noSuchEntity = (error: unknown) =>
  awsErrorName(error) === "NoSuchEntity" || awsErrorName(error) === "NoSuchEntityException";

const TRUST = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "codebuild.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
};

/** The role exists with our policy; the policy is refreshed when the bucket or project changed. */
async function ensureRole(
  clients: AwsClients,
  inputs: CodeBuildInputs,
  progress: Progress,
): Promise<{ arn: string; created: boolean }> {
  const iam = await clients.iam();
  const { GetRoleCommand, CreateRoleCommand, GetRolePolicyCommand, PutRolePolicyCommand } = await import(
    "@aws-sdk/client-iam"
  );
  const roleName = inputs.build.codebuildRole;
  const policy = codebuildPolicy({
    region: clients.region,
    account: await accountId(clients),
    bucket: inputs.stateBucket,
    project: inputs.build.codebuildProject,
    repository: inputs.repository,
  });
  let arn: string | undefined;
  let created = false;
  try {
    arn = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role?.Arn;
  } catch (error) {
    if (!noSuchEntity(error)) throw error;
  }
  if (!arn) {
    progress.update(`creating IAM role ${roleName}`);
    const boundary = process.env.CODEBUILD_PERMISSIONS_BOUNDARY || inputs.permissionsBoundary;
    const out = await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify(TRUST),
        Description: "magic-pocket: builds and pushes the Lambda image",
        ...(boundary ? { PermissionsBoundary: boundary } : {}),
      }),
    );
    arn = out.Role!.Arn!;
    created = true;
  }
  let current: unknown;
  if (!created) {
    try {
      const doc = (await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: POLICY_NAME })))
        .PolicyDocument;
      current = doc ? JSON.parse(decodeURIComponent(doc)) : undefined;
    } catch (error) {
      if (!noSuchEntity(error)) throw error;
    }
  }
  if (JSON.stringify(current) !== JSON.stringify(policy)) {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: POLICY_NAME,
        PolicyDocument: JSON.stringify(policy),
      }),
    );
    // IAM changes reach CodeBuild's workers seconds later; a build started at once can fail to
    // read its source. The reference waited 10 s after creating the role; so do we, after any change.
    const settle = Number(process.env.POCKET_IAM_SETTLE_MS ?? 10_000);
    if (settle > 0) {
      progress.update("waiting for the IAM change to propagate");
      await sleep(settle);
    }
  }
  return { arn, created };
}

/** Creates or updates the project; UpdateProject only when a setting differs. */
async function ensureProject(
  clients: AwsClients,
  inputs: CodeBuildInputs,
  roleArn: string,
  roleIsNew: boolean,
  progress: Progress,
): Promise<void> {
  const { BatchGetProjectsCommand, CreateProjectCommand, UpdateProjectCommand } = await import(
    "@aws-sdk/client-codebuild"
  );
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
  const existing = (await codebuild.send(new BatchGetProjectsCommand({ names: [name] }))).projects?.[0];
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

async function waitForBuild(clients: AwsClients, id: string, progress: Progress): Promise<Build> {
  const { BatchGetBuildsCommand } = await import("@aws-sdk/client-codebuild");
  const codebuild = await clients.codebuild();
  const every = Number(process.env.POCKET_CODEBUILD_POLL_MS ?? 10_000);
  const t0 = Date.now();
  for (;;) {
    const build = (await codebuild.send(new BatchGetBuildsCommand({ ids: [id] }))).builds?.[0];
    if (!build) throw new CliError("codebuild-lost", `CodeBuild no longer knows the build ${id}.`);
    if (build.buildStatus && build.buildStatus !== "IN_PROGRESS") return build;
    progress.update(
      `CodeBuild ${(build.currentPhase ?? "queued").toLowerCase()} (${Math.round((Date.now() - t0) / 1000)} s)`,
    );
    await sleep(every);
  }
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

/**
 * Destroy removes the project, the role and the build records whenever they exist, whatever
 * the configured builder (a stage may have switched builders since).
 */
export async function destroyCodeBuild(
  clients: AwsClients,
  build: ContainerContext["build"],
  stateBucket: string,
  progress: Progress,
): Promise<string[]> {
  const removed: string[] = [];
  const { BatchGetProjectsCommand, DeleteProjectCommand } = await import("@aws-sdk/client-codebuild");
  const codebuild = await clients.codebuild();
  const project = (await codebuild.send(new BatchGetProjectsCommand({ names: [build.codebuildProject] })))
    .projects?.[0];
  if (project) {
    progress.update(`deleting CodeBuild project ${build.codebuildProject}`);
    try {
      await codebuild.send(new DeleteProjectCommand({ name: build.codebuildProject }));
    } catch (error) {
      if (awsErrorName(error) !== "ResourceNotFoundException") throw error;
    }
    removed.push("CodeBuild project");
  }
  const iam = await clients.iam();
  const { ListRolePoliciesCommand, DeleteRolePolicyCommand, DeleteRoleCommand } = await import(
    "@aws-sdk/client-iam"
  );
  try {
    const policies =
      (await iam.send(new ListRolePoliciesCommand({ RoleName: build.codebuildRole }))).PolicyNames ?? [];
    progress.update(`deleting IAM role ${build.codebuildRole}`);
    for (const name of policies) {
      await iam.send(new DeleteRolePolicyCommand({ RoleName: build.codebuildRole, PolicyName: name }));
    }
    await iam.send(new DeleteRoleCommand({ RoleName: build.codebuildRole }));
    removed.push("CodeBuild role");
  } catch (error) {
    if (!noSuchEntity(error)) throw error;
  }
  for (const key of [build.codebuildStateKey, build.codebuildSourceKey]) {
    await bucketObject(clients, stateBucket, key).remove();
  }
  return removed;
}

import type { Build, ComputeType, CreateProjectCommandInput, Project } from "@aws-sdk/client-codebuild";
import type { Role } from "@aws-sdk/client-iam";
import type { ContainerContext } from "@magic-pocket/config";
import { type AwsClients, accountId } from "../../aws/clients.js";
import { awsErrorName } from "../../aws/errors.js";
import { callerPartition, regionPartition } from "../../aws/partition.js";
import { bucketObject } from "../../buckets/object.js";
import { CliError } from "../../errors.js";
import { pollUntil, sleep } from "../../util/time.js";
import { toYaml } from "../../util/yaml.js";
import type { Progress, Timing } from "../resource.js";
import { zipBuildContext } from "./build-context.js";

/**
 * The `codebuild` builder (docs/decisions.md#i2-codebuild-builder): the build context is zipped
 * (honouring .dockerignore), uploaded to the state bucket, and built and pushed by a privileged
 * CodeBuild project in the stage's account, so a laptop without Docker (or on another CPU) can
 * deploy.
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
  /** How often to ask for the build's state, and how long IAM changes take to reach CodeBuild. */
  timing: Pick<Timing, "codebuildPollMs" | "iamSettleMs">;
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
  const finished = await waitForBuild(clients, id, progress, inputs.timing.codebuildPollMs);
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

export function codebuildPolicy(o: {
  region: string;
  account: string;
  bucket: string;
  project: string;
  /** The stage's repository: the only one the build may push to. */
  repository: string;
  /** The caller's partition; derived from the region when not given. */
  partition?: string;
}) {
  const p = o.partition ?? regionPartition(o.region);
  const repositories = `arn:${p}:ecr:${o.region}:${o.account}:repository`;
  // CodeBuild writes to the log group named after the project, and to streams in it: exactly
  // that group (a `${project}*` pattern would also match another project's groups).
  const logGroup = `arn:${p}:logs:${o.region}:${o.account}:log-group:/aws/codebuild/${o.project}`;
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
        Resource: [logGroup, `${logGroup}:log-stream:*`],
      },
    ],
  };
}

/**
 * Who may assume the role: CodeBuild, and only on behalf of the stage's project in this account
 * (the confused-deputy conditions AWS recommends for service roles), so another account's
 * CodeBuild project cannot be pointed at it.
 */
export function codebuildTrustPolicy(o: {
  region: string;
  account: string;
  project: string;
  partition?: string;
}) {
  const p = o.partition ?? regionPartition(o.region);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "codebuild.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": o.account },
          ArnLike: { "aws:SourceArn": `arn:${p}:codebuild:${o.region}:${o.account}:project/${o.project}` },
        },
      },
    ],
  };
}

/** The trust policy pocket gave its CodeBuild roles before it added the conditions: upgraded in place. */
const LEGACY_TRUST = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "codebuild.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
};

/** IAM's "not found" (the SDK names it NoSuchEntityException, the wire NoSuchEntity). */
const noSuchEntity = (error: unknown) =>
  awsErrorName(error) === "NoSuchEntity" || awsErrorName(error) === "NoSuchEntityException";

/** IAM returns policy documents URL-encoded (emulators sometimes not); undefined when unreadable. */
function policyDocument(text: string | undefined): unknown {
  if (!text) return undefined;
  for (const candidate of [text, safeDecode(text)]) {
    try {
      return JSON.parse(candidate);
    } catch {
      // try the next form
    }
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Key order does not matter to IAM, so documents are compared with sorted keys. */
function sameDocument(a: unknown, b: unknown): boolean {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>)
              .sort(([x], [y]) => (x < y ? -1 : 1))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** A boundary given by name is a customer managed policy of the account. */
function boundaryArn(value: string, partition: string, account: string): string {
  return value.startsWith("arn:") ? value : `arn:${partition}:iam::${account}:policy/${value}`;
}

/**
 * What an existing role carries that pocket did not put there; empty when it is safe to reuse.
 * pocket's role has exactly one inline policy (ours), no managed policy, the configured
 * permissions boundary (or none) and our trust policy (or the one older pocket versions wrote).
 * A role of the same name made by someone else may trust other principals or hold other
 * permissions, which the build (running the project's Dockerfile) would then be able to use.
 */
export function foreignRoleParts(role: {
  trust: unknown;
  inlinePolicies: string[];
  managedPolicies: string[];
  boundary: string | undefined;
  wantedTrust: unknown;
  wantedBoundary: string | undefined;
}): string[] {
  const out: string[] = [];
  if (!sameDocument(role.trust, role.wantedTrust) && !sameDocument(role.trust, LEGACY_TRUST))
    out.push("a trust policy that is not pocket's (it lets other principals assume the role)");
  const others = role.inlinePolicies.filter((name) => name !== POLICY_NAME);
  if (others.length > 0) out.push(`inline policies ${others.join(", ")}`);
  if (role.managedPolicies.length > 0)
    out.push(`attached managed policies ${role.managedPolicies.join(", ")}`);
  if (role.boundary !== role.wantedBoundary) {
    out.push(
      role.boundary
        ? `the permissions boundary ${role.boundary}${role.wantedBoundary ? ` (the configuration asks for ${role.wantedBoundary})` : " (the configuration sets none)"}`
        : `no permissions boundary (the configuration asks for ${role.wantedBoundary})`,
    );
  }
  return out;
}

/** The role exists with our policy; the policy is refreshed when the bucket or project changed. */
async function ensureRole(
  clients: AwsClients,
  inputs: CodeBuildInputs,
  progress: Progress,
): Promise<{ arn: string; created: boolean }> {
  const iam = await clients.iam();
  const {
    GetRoleCommand,
    CreateRoleCommand,
    GetRolePolicyCommand,
    PutRolePolicyCommand,
    ListRolePoliciesCommand,
    ListAttachedRolePoliciesCommand,
    UpdateAssumeRolePolicyCommand,
  } = await import("@aws-sdk/client-iam");
  const roleName = inputs.build.codebuildRole;
  const [account, partition] = await Promise.all([accountId(clients), callerPartition(clients)]);
  const names = { region: clients.region, account, partition, project: inputs.build.codebuildProject };
  const policy = codebuildPolicy({ ...names, bucket: inputs.stateBucket, repository: inputs.repository });
  const trust = codebuildTrustPolicy(names);
  const configuredBoundary = process.env.CODEBUILD_PERMISSIONS_BOUNDARY || inputs.permissionsBoundary;
  const boundary = configuredBoundary ? boundaryArn(configuredBoundary, partition, account) : undefined;
  let role: Role | undefined;
  let created = false;
  try {
    role = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
  } catch (error) {
    if (!noSuchEntity(error)) throw error;
  }
  let changed = false;
  if (role) {
    const [inline, attached] = await Promise.all([
      iam.send(new ListRolePoliciesCommand({ RoleName: roleName })),
      iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName })),
    ]);
    const currentTrust = policyDocument(role.AssumeRolePolicyDocument);
    const foreign = foreignRoleParts({
      trust: currentTrust,
      inlinePolicies: inline.PolicyNames ?? [],
      managedPolicies: (attached.AttachedPolicies ?? []).map((a) => a.PolicyArn ?? a.PolicyName ?? "?"),
      boundary: role.PermissionsBoundary?.PermissionsBoundaryArn,
      wantedTrust: trust,
      wantedBoundary: boundary,
    });
    if (foreign.length > 0) {
      throw new CliError(
        "codebuild-role-foreign",
        `the IAM role ${roleName} (${role.Arn}) already exists with ${foreign.join("; ")}, which pocket did not put there; it was not used, and nothing was built.`,
        {
          hint: `pocket only reuses a role it made. If this role is a leftover of this stage, delete it (aws iam delete-role --role-name ${roleName}, after detaching its policies) and deploy again: pocket recreates it. If the boundary differs because the configuration changed, set awscontainer.permissions_boundary (or CODEBUILD_PERMISSIONS_BOUNDARY) to the role's, or delete the role.`,
        },
      );
    }
    if (!sameDocument(currentTrust, trust)) {
      // A role made by an earlier pocket, before the trust policy carried its conditions.
      progress.update(`restricting who may assume IAM role ${roleName}`);
      await iam.send(
        new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: JSON.stringify(trust) }),
      );
      changed = true;
    }
  } else {
    progress.update(`creating IAM role ${roleName}`);
    const out = await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify(trust),
        Description: "magic-pocket: builds and pushes the Lambda image",
        ...(boundary ? { PermissionsBoundary: boundary } : {}),
      }),
    );
    role = out.Role!;
    created = true;
  }
  let current: unknown;
  if (!created) {
    try {
      current = policyDocument(
        (await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: POLICY_NAME })))
          .PolicyDocument,
      );
    } catch (error) {
      if (!noSuchEntity(error)) throw error;
    }
  }
  if (!sameDocument(current, policy)) {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: POLICY_NAME,
        PolicyDocument: JSON.stringify(policy),
      }),
    );
    changed = true;
  }
  if (changed) {
    // IAM changes reach CodeBuild's workers seconds later; a build started at once can fail to
    // read its source. The reference waited 10 s after creating the role; so do we, after any change.
    const settle = inputs.timing.iamSettleMs;
    if (settle > 0) {
      progress.update("waiting for the IAM change to propagate");
      await sleep(settle);
    }
  }
  return { arn: role.Arn!, created };
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

/** CodeBuild's own longest build timeout is 8 hours; pocket gives up waiting after that too. */
const BUILD_DEADLINE_MS = 8 * 60 * 60_000;

async function waitForBuild(
  clients: AwsClients,
  id: string,
  progress: Progress,
  everyMs: number,
): Promise<Build> {
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
  const {
    GetRoleCommand,
    ListRolePoliciesCommand,
    ListAttachedRolePoliciesCommand,
    DeleteRolePolicyCommand,
    DeleteRoleCommand,
  } = await import("@aws-sdk/client-iam");
  try {
    const role = (await iam.send(new GetRoleCommand({ RoleName: build.codebuildRole }))).Role!;
    const [inline, attached, account, partition] = await Promise.all([
      iam.send(new ListRolePoliciesCommand({ RoleName: build.codebuildRole })),
      iam.send(new ListAttachedRolePoliciesCommand({ RoleName: build.codebuildRole })),
      accountId(clients),
      callerPartition(clients),
    ]);
    const policies = inline.PolicyNames ?? [];
    // A role of this name that carries what pocket never puts there is someone else's: it is
    // left alone (its boundary is not checked, as a boundary only ever takes permissions away).
    const foreign = foreignRoleParts({
      trust: policyDocument(role.AssumeRolePolicyDocument),
      inlinePolicies: policies,
      managedPolicies: (attached.AttachedPolicies ?? []).map((a) => a.PolicyArn ?? a.PolicyName ?? "?"),
      boundary: undefined,
      wantedTrust: codebuildTrustPolicy({
        region: clients.region,
        account,
        partition,
        project: build.codebuildProject,
      }),
      wantedBoundary: undefined,
    });
    if (foreign.length > 0) {
      progress.log(
        `kept IAM role ${build.codebuildRole}: it has ${foreign.join("; ")}, which pocket did not put there (delete it by hand if it is unused)`,
      );
    } else {
      progress.update(`deleting IAM role ${build.codebuildRole}`);
      for (const name of policies) {
        await iam.send(new DeleteRolePolicyCommand({ RoleName: build.codebuildRole, PolicyName: name }));
      }
      await iam.send(new DeleteRoleCommand({ RoleName: build.codebuildRole }));
      removed.push("CodeBuild role");
    }
  } catch (error) {
    if (!noSuchEntity(error)) throw error;
  }
  for (const key of [build.codebuildStateKey, build.codebuildSourceKey]) {
    await bucketObject(clients, stateBucket, key).remove();
  }
  return removed;
}

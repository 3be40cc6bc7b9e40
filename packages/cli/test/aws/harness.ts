import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { beforeAll } from "vitest";
import { buildCli } from "../cli/build.js";
import { type CliRun, pocket, pocketAsync, project } from "../cli/run.js";
import { type NeonServer, startNeonServer } from "../contract/neon-server.js";
import { startUpstashServer, type UpstashServer } from "../contract/upstash-server.js";
import { motoEnv, putTestImage, resetMoto, useMoto } from "../moto/moto.js";

/*
 * What the test files under test/aws share (as python/tests/conftest.py does for the Python
 * runtime's tests): the start of a file on an empty moto account, waiting for a condition, and
 * reading CloudFormation's view of a stack. The servers that stand in for what moto lacks have
 * their own modules beside this one (kvs-server.ts, ../moto/fault-proxy.ts).
 */

/** moto's region for every stage the tests here deploy. */
export const REGION = "ap-northeast-1";

/** The [general] table a test stage's pocket.toml starts with, in moto's region. */
export function general(projectName: string, stages: readonly string[] = ["dev"]): string {
  return `[general]\nregion = "${REGION}"\nproject_name = "${projectName}"\nstages = [${stages.map((s) => `"${s}"`).join(", ")}]\n`;
}

/**
 * A front end's stage: the S3 bucket behind one CloudFront distribution (`main`) with these
 * routes, each an inline table (`{ is_default = true, is_spa = true, build_dir = "dist" }`).
 */
export function frontEndStage(
  projectName: string,
  routes: readonly string[],
  options: { atomicReleases?: boolean } = {},
): string {
  // The stages of the in-place upload tests (their stand-in distribution has no KeyValueStore);
  // frontend-releases.test.ts deploys atomic releases.
  const releases = options.atomicReleases ? "" : "atomic_releases = false\n";
  return `${general(projectName)}[s3]\n\n[cloudfront.main]\n${releases}routes = [\n${routes.map((r) => `  ${r},\n`).join("")}]\n`;
}

/** The container most test stages run: one Django WSGI handler, its image from `dockerfile`. */
export function wsgiContainer(dockerfile = "Dockerfile"): string {
  return `[awscontainer]
dockerfile_path = "${dockerfile}"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
`;
}
export const WSGI_CONTAINER = wsgiContainer();

/**
 * The original's current spelling of a stage's one container (`[container.main]`): the WSGI
 * handler from the Dockerfile; DATABASE_URL managed from the database section when `databaseUrl`
 * names its secret type, and the stage role's permissions boundary when given (its ARN).
 */
export function mainContainer(parts: { databaseUrl?: string; permissionsBoundary?: string } = {}): string {
  const url = parts.databaseUrl
    ? `\n[container.main.secrets.managed]\nDATABASE_URL = { type = "${parts.databaseUrl}" }\n`
    : "";
  const boundary = parts.permissionsBoundary
    ? `\n[container.main.iam]\npermissions_boundary = "${parts.permissionsBoundary}"\n`
    : "";
  return `[container.main]
dockerfile_path = "Dockerfile"

[container.main.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
${url}${boundary}`;
}

/**
 * The seed's [rds] stage: a managed VPC in two zones (`vpcRef`), the Aurora cluster with these
 * settings (TOML lines), and `container` in the VPC (the WSGI container from pocket.Dockerfile
 * unless given).
 */
export function rdsStage(
  projectName: string,
  vpcRef: string,
  rds: readonly string[],
  container = wsgiContainer("pocket.Dockerfile"),
): string {
  return `${general(projectName)}[vpc]
ref = "${vpcRef}"
zone_suffixes = ["a", "c"]

[rds]
${rds.map((line) => `${line}\n`).join("")}
${container}`;
}

/**
 * A stage whose managed DATABASE_URL is filled from a database section (`[neon]`, `[tidb]`,
 * given as TOML) by the secret type `urlType`, beside the usual WSGI container.
 */
export function databaseUrlStage(
  projectName: string,
  stages: readonly string[],
  database: string,
  urlType: string,
): string {
  return `${general(projectName, stages)}${database}
${WSGI_CONTAINER}
[awscontainer.secrets.managed]
DATABASE_URL = { type = "${urlType}" }
`;
}

/** What a test stage's Django container adds to the getting-started one (`djangoContainer`). */
export interface DjangoContainerParts {
  /** `[awscontainer.envs]`. */
  envs?: Record<string, string>;
  /** Managed secrets beside SECRET_KEY, as TOML lines (`JWT = { type = "rsa_pem_base64" }`). */
  managed?: string[];
  /** Lines added to the WSGI handler's table (`memory_size = 1024`). */
  wsgi?: string[];
  /** The management command handler (timeout 600) with these lines added; none when absent. */
  management?: string[];
  /** Further handlers: each one's table lines, its command first. */
  handlers?: Record<string, string[]>;
}

/**
 * The getting-started container (Dockerfile, SECRET_KEY managed, the WSGI handler behind API
 * Gateway) with what a test adds to it, as the [awscontainer] tables of a pocket.toml.
 */
export function djangoContainer(parts: DjangoContainerParts = {}): string {
  const table = (name: string, lines: readonly string[]) => [`[${name}]`, ...lines, ""];
  const envs = Object.entries(parts.envs ?? {}).map(([key, value]) => `${key} = ${JSON.stringify(value)}`);
  const handlers: [string, string[]][] = [
    [
      "wsgi",
      ['command = "pocket.django.lambda_handlers.wsgi_handler"', "apigateway = {}", ...(parts.wsgi ?? [])],
    ],
  ];
  if (parts.management)
    handlers.push([
      "management",
      [
        'command = "pocket.django.lambda_handlers.management_command_handler"',
        "timeout = 600",
        ...parts.management,
      ],
    ]);
  handlers.push(...Object.entries(parts.handlers ?? {}));
  return [
    ...table("awscontainer", ['dockerfile_path = "Dockerfile"']),
    ...(envs.length > 0 ? table("awscontainer.envs", envs) : []),
    ...table("awscontainer.secrets.managed", [
      'SECRET_KEY = { type = "password", options = { length = 50 } }',
      ...(parts.managed ?? []),
    ]),
    ...handlers.flatMap(([name, lines]) => table(`awscontainer.handlers.${name}`, lines)),
  ].join("\n");
}

/** The getting-started container as it is: the WSGI handler behind API Gateway, SECRET_KEY managed. */
export const DJANGO_API_CONTAINER = djangoContainer();

/**
 * A test file's start: the CLI bundled (the tests run the binary), moto emptied (files run one
 * by one against one moto), and this process's SDK pointed at it. `cli: false` for a file that
 * calls the engine in process and never runs the binary.
 */
export async function freshMoto(options: { cli?: boolean } = {}): Promise<void> {
  if (options.cli !== false) buildCli();
  await resetMoto();
  useMoto();
}

/**
 * An image for a stage's container, pushed to the repository pocket derives for it
 * (`{stage}-{project}-pocket-lambda`) and tagged with the stage: what `--image` deploys.
 */
export function stageImage(projectName: string, stage = "dev"): Promise<string> {
  return putTestImage(`${stage}-${projectName}-pocket-lambda`, stage, REGION);
}

/**
 * The start of a file that pushes its own images: moto emptied (`freshMoto`) and a project
 * folder named `projectName` holding `toml`.
 */
export async function freshFolder(toml: string, projectName: string): Promise<string> {
  await freshMoto();
  return project(toml, projectName);
}

/**
 * `freshProject` for a stage whose [neon] talks to the Neon contract server: the server started
 * with `apiKey` (the caller closes it after the file).
 */
export async function freshNeonProject(
  toml: string,
  projectName: string,
  apiKey: string,
): Promise<{ dir: string; image: string; neon: NeonServer }> {
  const { dir, image } = await freshProject(toml, projectName);
  return { dir, image, neon: await startNeonServer({ apiKey, projectName: "demo-neon" }) };
}

/**
 * `freshProject` for a stage whose [upstash] talks to the Upstash contract server: the server
 * started with `email` and `apiKey` (the caller closes it after the file).
 */
export async function freshUpstashProject(
  toml: string,
  projectName: string,
  credentials: { email: string; apiKey: string },
): Promise<{ dir: string; image: string; upstash: UpstashServer }> {
  const { dir, image } = await freshProject(toml, projectName);
  return { dir, image, upstash: await startUpstashServer(credentials) };
}

/**
 * The start of a file that deploys one project's dev stage: moto emptied (`freshMoto`), the dev
 * stage's image pushed, and a project folder named `projectName` holding `toml`.
 */
export async function freshProject(
  toml: string,
  projectName: string,
): Promise<{ dir: string; image: string }> {
  await freshMoto();
  const image = await stageImage(projectName);
  return { dir: project(toml, projectName), image };
}

/** A test file's dev stage: the CLI run in its project folder, and the deploy of its pushed image. */
export interface DevStage {
  pocket(args: string[]): CliRun;
  deploy(): CliRun;
}

/**
 * The dev stage of one project for a whole test file: `freshProject` in the file's beforeAll, then
 * each run against moto with `env()` (a test's own variables) over moto's.
 */
export function devStage(
  toml: string,
  projectName: string,
  env: () => Record<string, string> = () => ({}),
): DevStage {
  let made = { dir: "", image: "" };
  beforeAll(async () => {
    made = await freshProject(toml, projectName);
  });
  const run = (args: string[]) => pocket(args, { cwd: made.dir, env: { ...motoEnv(REGION), ...env() } });
  return { pocket: run, deploy: () => run(["deploy", "--stage", "dev", "--image", made.image]) };
}

/**
 * The CLI run in a project folder against moto with a vendor's variables (`vars`: its contract
 * server's URL and keys, read when each run starts) and a run's `extra` over them: a test's
 * `pocket` for a stage whose resource calls a vendor's API (Neon, Upstash).
 */
export function vendorPocket(
  dir: () => string,
  vars: () => Record<string, string>,
): (args: string[], extra?: Record<string, string>) => Promise<CliRun> {
  return (args, extra = {}) =>
    pocketAsync(args, { cwd: dir(), env: { ...motoEnv(REGION), ...vars(), ...extra } });
}

/**
 * A handler's function as the container stack names it (`{stage}-{project}-pocket-{handler}`),
 * made directly in moto from the stage's image: for a command that calls a deployed function
 * (`pocket invoke`, `pocket django manage`) without deploying the whole stage first.
 */
export async function standInFunction(projectName: string, handler: string, stage = "dev"): Promise<void> {
  const role = await new IAMClient({ region: REGION }).send(
    new CreateRoleCommand({ RoleName: `${projectName}-${handler}-test`, AssumeRolePolicyDocument: "{}" }),
  );
  await new LambdaClient({ region: REGION }).send(
    new CreateFunctionCommand({
      FunctionName: `${stage}-${projectName}-pocket-${handler}`,
      Role: role.Role!.Arn!,
      PackageType: "Image",
      Code: { ImageUri: (await stageImage(projectName, stage)).replace(/@.*/, `:${stage}`) },
    }),
  );
}

/**
 * Polls `check` every 50 ms until it holds; after `ms` throws "timed out waiting for `what`",
 * followed by `detail()` (e.g. a child process's output so far) when given.
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  options: { ms?: number; detail?: () => string } = {},
): Promise<void> {
  const end = Date.now() + (options.ms ?? 30_000);
  while (!(await check())) {
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}${options.detail ? `:\n${options.detail()}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** moto's S3 (path-style: moto answers no bucket host names). */
export const s3 = () => new S3Client({ region: REGION, forcePathStyle: true });

/** The keys of a bucket's objects (those below `prefix` when given), sorted. */
export async function objectKeys(bucket: string, prefix?: string): Promise<string[]> {
  const out = await s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

/** Whether CloudFormation in `region` holds a stack of that name not yet deleted. */
export async function stackExists(name: string, region: string): Promise<boolean> {
  try {
    const out = await new CloudFormationClient({ region }).send(
      new DescribeStacksCommand({ StackName: name }),
    );
    return (out.Stacks ?? []).some((s) => s.StackStatus !== "DELETE_COMPLETE");
  } catch {
    return false;
  }
}

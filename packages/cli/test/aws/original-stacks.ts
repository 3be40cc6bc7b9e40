import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CloudFormationClient,
  CreateStackCommand,
  ListStackResourcesCommand,
  waitUntilStackCreateComplete,
} from "@aws-sdk/client-cloudformation";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { DescribeAddressesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { loadConfig } from "@magic-pocket/config";
import { expect } from "vitest";
import { policyFor } from "../../src/commands/permissions-actions.js";
import { concretePolicy } from "../../src/commands/permissions-policy.js";
import { type CliRun, pocket, pocketAsync, project } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { type IamCall, iamRequest, isAllowed, type PolicyDocument } from "../ops-iam-evaluator.js";
import { freshMoto, REGION } from "./harness.js";
import type { RecordedRequest } from "./recorder.js";

const ACCOUNT = "123456789012";

/*
 * The original's stacks on moto, for the takeover tests (issue 22): its rendered templates are
 * read from beside the checkout (never copied in; CI has them) and created as it deployed them.
 */
const TEMPLATES = join(import.meta.dirname, "../../../../..", "shared", "spec", "original-templates");

/** One of the original's rendered files, e.g. `original("tk", "42a3468-vpc.yaml")`. */
export const original = (folder: string, file: string) => readFileSync(join(TEMPLATES, folder, file), "utf8");

/** One of the rendered files of tk, the project both takeover tests deploy, e.g. `tk("head-cf.yaml")`. */
export const tk = (file: string) => original("tk", file);

/**
 * The original's template as moto can create it, meaning the same: moto's check of the outputs
 * reads only the list form of Fn::GetAtt; its EFS access point has no Arn attribute and its
 * CloudFormation has no ApiGatewayV2 (both ARN and endpoint are spelled from the ids, as pocket's
 * own templates do); its event source mapping takes numbers only.
 */
export function forMoto(body: string): string {
  return body
    .replace(
      /Fn::GetAtt: "(\w+)Api\.ApiEndpoint"/g,
      'Fn::Sub: "https://${$1Api}.execute-api.${AWS::Region}.amazonaws.com"',
    )
    .replace(/(BatchSize|MaximumConcurrency): "(\d+)"/g, "$1: $2")
    .replace(
      "Fn::GetAtt: EfsAccessPoint.Arn",
      'Fn::Sub: "arn:${AWS::Partition}:elasticfilesystem:${AWS::Region}:${AWS::AccountId}:access-point/${EfsAccessPoint}"',
    )
    .replace(/Fn::GetAtt: "?([A-Za-z0-9]+)\.([A-Za-z.]+)"?/g, "Fn::GetAtt: [$1, $2]");
}

/** Creates a stack from the original's template (made creatable by forMoto) and waits for it. */
export async function createStack(name: string, region: string, body: string): Promise<void> {
  await new CloudFormationClient({ region }).send(
    new CreateStackCommand({
      StackName: name,
      TemplateBody: forMoto(body),
      Capabilities: ["CAPABILITY_NAMED_IAM"],
    }),
  );
  await waitUntilStackCreateComplete(
    { client: new CloudFormationClient({ region }), maxWaitTime: 60 },
    { StackName: name },
  );
}

/**
 * EFS's file-system API on moto, spelled out (pocket has no EFS client: its file systems are in
 * the VPC stack); moto routes by the service in the credential scope and checks no signature.
 */
export async function efs(method: "GET" | "POST", body?: unknown): Promise<unknown> {
  const response = await fetch(`${motoEnv(REGION).AWS_ENDPOINT_URL}/2015-02-01/file-systems`, {
    method,
    headers: {
      "content-type": "application/json",
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${REGION}/elasticfilesystem/aws4_request, SignedHeaders=host, Signature=0`,
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) throw new Error(`EFS ${method}: ${response.status} ${await response.text()}`);
  return response.json();
}

/**
 * What the original made outside CloudFormation before its first stack deploy: the bucket, the
 * managed secrets at its path and layout ({stage: {project: {NAME: value}}}, with a known
 * `SECRET_KEY`, the CF_KEY pair and `secrets`), the EFS file system through the API (found again
 * by its Name tag; only with `efsName`) and the Lambda log groups (Lambda makes them on first
 * invoke). Returns the secret's text, the public half of CF_KEY (its keys stack holds it) and the
 * file system's id.
 */
export async function originalOutsideStacks(o: {
  bucket: string;
  secretId: string;
  functions: readonly string[];
  efsName?: string;
  secrets?: Record<string, string>;
}): Promise<{ secret: string; publicKey: string; fileSystemId?: string }> {
  await new S3Client({ region: REGION, forcePathStyle: true }).send(
    new CreateBucketCommand({ Bucket: o.bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  const b64 = (text: string) => Buffer.from(text).toString("base64");
  const secret = JSON.stringify({
    dev: {
      myapp: {
        SECRET_KEY: "known-secret-key-of-the-original",
        CF_KEY: { pem: b64(privateKey), pub: b64(publicKey) },
        ...o.secrets,
      },
    },
  });
  await new SecretsManagerClient({ region: REGION }).send(
    new CreateSecretCommand({ Name: o.secretId, SecretString: secret }),
  );
  const fileSystemId = o.efsName
    ? (
        (await efs("POST", {
          CreationToken: "original",
          Encrypted: true,
          Tags: [{ Key: "Name", Value: o.efsName }],
        })) as { FileSystemId: string }
      ).FileSystemId
    : undefined;
  const logs = new CloudWatchLogsClient({ region: REGION });
  for (const fn of o.functions)
    await logs.send(new CreateLogGroupCommand({ logGroupName: `/aws/lambda/${fn}` }));
  return { secret, publicKey, ...(fileSystemId ? { fileSystemId } : {}) };
}

/** The original rendered the signing key's stack offline with an empty key: a deploy had the public half of CF_KEY. */
export const withPublicKey = (body: string, publicKey: string) =>
  body.replace(/EncodedKey: \|\n\s*\n/, `EncodedKey: ${JSON.stringify(publicKey)}\n`);

/**
 * moto cannot update these types in a stack: an update it sees as a change (any respelling of
 * the original's YAML) drops them from the stack's resource list, though nothing deletes them.
 * None holds a name or data; the Elastic IPs (the stage's fixed egress addresses) are checked
 * through EC2 instead.
 */
const MOTO_CANNOT_UPDATE = new Set([
  "AWS::EC2::EIP",
  "AWS::EC2::Route",
  "AWS::EC2::SecurityGroupIngress",
  "AWS::Lambda::Permission",
]);

/** Every resource's physical id in these stacks, as `stack/LogicalId`, but for the types moto cannot update. */
export async function physicalIds(
  stacks: readonly (readonly [string, string])[],
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, region] of stacks) {
    const out = await new CloudFormationClient({ region }).send(
      new ListStackResourcesCommand({ StackName: name }),
    );
    for (const r of out.StackResourceSummaries ?? []) {
      if (!MOTO_CANNOT_UPDATE.has(r.ResourceType!))
        ids[`${name}/${r.LogicalResourceId}`] = r.PhysicalResourceId!;
    }
  }
  return ids;
}

/** The ids that changed between two readings, `before -> after` by `stack/LogicalId` (empty when none did). */
export function moved(before: Record<string, string>, after: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(before)
      .filter(([id, physical]) => after[id] !== physical)
      .map(([id, physical]) => [id, `${physical} -> ${after[id]}`]),
  );
}

/** The stage's Elastic IPs (its fixed egress addresses). */
export async function elasticIps(): Promise<string[]> {
  const out = await new EC2Client({ region: REGION }).send(new DescribeAddressesCommand({}));
  return (out.Addresses ?? []).map((a) => a.PublicIp!).sort();
}

export async function secretString(secretId: string): Promise<string> {
  const sm = new SecretsManagerClient({ region: REGION });
  return (await sm.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString!;
}

/** The `/aws/lambda/` log groups there are, sorted. */
export async function lambdaLogGroups(): Promise<string[]> {
  const groups = await new CloudWatchLogsClient({ region: REGION }).send(
    new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/lambda/" }),
  );
  return (groups.logGroups ?? []).map((g) => g.logGroupName!).sort();
}

/** A stage as the original left it, read before the takeover. */
export interface OriginalStage {
  /** The image `pocket deploy --image` is given (the original's ECR repository holds it). */
  image: string;
  secretId: string;
  secret: string;
  /** The EFS file system the original made through the API (a stage with a VPC). */
  fileSystemId?: string;
  functions: readonly string[];
  stacks: readonly (readonly [string, string])[];
  physical: Record<string, string>;
  addresses: string[];
}

/**
 * A fresh moto with a stage the original deployed: its ECR repository with an image, what it
 * made outside CloudFormation (originalOutsideStacks; the file system with `efsName`), then its
 * stacks (`createStacks`, given the public key and the file system's id), each stack's physical
 * ids and the Elastic IPs read back.
 */
export async function originalStage(o: {
  repository: string;
  bucket: string;
  secretId: string;
  functions: readonly string[];
  efsName?: string;
  secrets?: Record<string, string>;
  stacks: readonly (readonly [string, string])[];
  createStacks: (outside: { publicKey: string; fileSystemId?: string }) => Promise<void>;
}): Promise<OriginalStage> {
  await freshMoto();
  const image = await putTestImage(o.repository, "dev", REGION);
  const outside = await originalOutsideStacks(o);
  const fileSystemId = outside.fileSystemId;
  await o.createStacks({ publicKey: outside.publicKey, ...(fileSystemId ? { fileSystemId } : {}) });
  return {
    image,
    secretId: o.secretId,
    secret: outside.secret,
    ...(fileSystemId ? { fileSystemId } : {}),
    functions: o.functions,
    stacks: o.stacks,
    physical: await physicalIds(o.stacks),
    addresses: await elasticIps(),
  };
}

/**
 * The names of tk's stage at each version of the original deployed: the one of `[container.<name>]`
 * (head) puts the container's name (main) into the function, repository and secret names.
 */
const TK_NAMES = {
  "42a3468": { slug: "dev-myapp-pocket", secretId: "dev-myapp-pocket" },
  head: { slug: "dev-myapp-pocket-main", secretId: "dev-myapp-main-pocket" },
} as const;

/**
 * tk's stage as the original deployed it at `version` (its files `<version>-*.yaml`): the bucket,
 * the ECR repository, the functions and the managed secrets with that version's names, the shared
 * VPC stack, the distribution's keys stack (`keys`: its region and rendered template, given the
 * public key), then the stage's other stacks (`createStacks`).
 */
export function tkStage(o: {
  version: keyof typeof TK_NAMES;
  stacks: readonly (readonly [string, string])[];
  keys: { region: string; template: string };
  createStacks: () => Promise<void>;
}): Promise<OriginalStage> {
  const { slug, secretId } = TK_NAMES[o.version];
  return originalStage({
    repository: `${slug}-lambda`,
    bucket: "dev-myapp-pocket",
    secretId,
    functions: ["wsgi", "worker", "management"].map((h) => `${slug}-${h}`),
    efsName: "main-pocket",
    stacks: o.stacks,
    createStacks: async ({ publicKey, fileSystemId }) => {
      // Rendered offline, the original wrote "None" for the file system's id: a deploy had its id.
      const vpc = tk(`${o.version}-vpc.yaml`).replaceAll('"None"', `"${fileSystemId}"`);
      await createStack("main-pocket-vpc", REGION, vpc);
      const keys = withPublicKey(o.keys.template, publicKey);
      await createStack("dev-myapp-main-cloudfront-keys", o.keys.region, keys);
      await o.createStacks();
    },
  });
}

/**
 * A takeover deploy that worked in place: it succeeded and said it was taking over, no physical
 * id of the original's stacks changed but those in `moves` (`before -> after`), and what the
 * original made outside its stacks is kept (expectKeptOutsideStacks).
 */
export async function expectTakenOverInPlace(
  before: OriginalStage,
  deploy: CliRun,
  moves: Record<string, string> = {},
): Promise<void> {
  expect(deploy.status, deploy.stderr).toBe(0);
  expect(deploy.stderr).toContain("taking over");
  expect(moved(before.physical, await physicalIds(before.stacks))).toEqual(moves);
  await expectKeptOutsideStacks(before);
}

/**
 * A takeover deploy of a stage the original's current version deployed: in place, but for its
 * `ApiHostFunction`, which pocket deletes (docs/decisions.md A1: pocket's runtimes trust its
 * headers from a verified origin only, and nothing else runs it).
 */
export async function expectHeadTakenOverInPlace(before: OriginalStage, deploy: CliRun): Promise<void> {
  const hostFunction = "dev-myapp-main-cloudfront/ApiHostFunction";
  await expectTakenOverInPlace(before, deploy, {
    [hostFunction]: `${before.physical[hostFunction]} -> undefined`,
  });
}

/**
 * The recorded calls `pocket permissions` would not allow, for the file `toml` of stage dev with
 * the boundary it asks of a stage that creates roles, as `action resource...` once each; and
 * every call as IAM sees it.
 */
export function deniedCalls(
  toml: string,
  requests: readonly RecordedRequest[],
): { denied: string[]; calls: IamCall[] } {
  const withBoundary = project(
    `${toml}\n[container.main.iam]\npermissions_boundary = "arn:aws:iam::${ACCOUNT}:policy/dev-myapp-boundary"\n`,
    "myapp",
  );
  const loaded = loadConfig({ configPath: join(withBoundary, "pocket.toml"), env: {}, stage: "dev" });
  if (!loaded.ok) throw new Error("config");
  const policy = concretePolicy(policyFor(loaded.config.context), ACCOUNT, "aws") as PolicyDocument;
  const calls = requests.map((request) => iamRequest(request, ACCOUNT));
  const denied = calls
    .filter((call) => !isAllowed(policy, call))
    .map((c) => `${c.action} ${c.resources.join(" ")}`);
  return { denied: [...new Set(denied)], calls };
}

/**
 * What the original made outside its stacks is still there after a takeover, as it was: the
 * Elastic IPs, the managed secrets' text, the one EFS file system (a stage with a VPC) and the
 * Lambda log groups.
 */
export async function expectKeptOutsideStacks(before: OriginalStage): Promise<void> {
  expect(before.addresses).toHaveLength(before.fileSystemId ? 2 : 0);
  expect(await elasticIps()).toEqual(before.addresses);
  expect(await secretString(before.secretId)).toBe(before.secret);
  const fs = (await efs("GET")) as { FileSystems: { FileSystemId: string }[] };
  expect(fs.FileSystems.map((f) => f.FileSystemId)).toEqual(before.fileSystemId ? [before.fileSystemId] : []);
  expect(await lambdaLogGroups()).toEqual(before.functions.map((f) => `/aws/lambda/${f}`).sort());
}

/** After a takeover: `pocket status` says in sync, and a second deploy changes nothing. */
export function expectInSyncAndNoChange(dir: string, image: string): void {
  const env = motoEnv(REGION);
  expectNoChangeRuns(
    pocket(["status", "--stage", "dev"], { cwd: dir, env }),
    pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env }),
  );
}

/**
 * The same, with the CLI run asynchronously: for a test that serves a stand-in from its own
 * process (kvs-server.ts), which a synchronous run would leave unanswered.
 */
export async function expectInSyncAndNoChangeAsync(
  dir: string,
  image: string,
  env: Record<string, string>,
): Promise<void> {
  const status = await pocketAsync(["status", "--stage", "dev"], { cwd: dir, env });
  const again = await pocketAsync(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env });
  expectNoChangeRuns(status, again);
}

function expectNoChangeRuns(status: CliRun, again: CliRun): void {
  expect(status.status, status.stderr).toBe(0);
  expect(status.stdout).not.toMatch(/needs update|missing|FAILED/);
  expect(again.status, again.stderr).toBe(0);
  expect(again.stderr).toContain("No changes");
  expect(again.stderr).not.toContain("taking over");
}

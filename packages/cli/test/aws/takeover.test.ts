import { generateKeyPairSync } from "node:crypto";
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
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
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { freshMoto, REGION } from "./harness.js";
import { createStack, efs, original } from "./original-stacks.js";

/*
 * Issue 22: a stage the original deployed at the seed's version (42a3468), taken over by
 * `pocket deploy` in place. The original's templates are read from beside the checkout (never
 * copied in; CI has them), created on moto as the original would have deployed them, with what it
 * made outside CloudFormation: the bucket, the managed secrets at its path, the ECR repository,
 * the EFS file system (through the API) and the Lambda log groups (Lambda makes them on first
 * invoke). Where the rendered templates cannot be created as they are, the test fills in what a
 * real deploy had, each said where it is done. moto lacks ApiGatewayV2 in CloudFormation (it skips
 * those resources), so the quick-create API shape is checked by the template test beside
 * test/takeover, not here; test/moto/server.py stands in for the CloudFront resources.
 */
const tk = (file: string) => original("tk", file);
const env = () => motoEnv(REGION);
const cfn = (region = REGION) => new CloudFormationClient({ region });
const SECRET_ID = "dev-myapp-pocket";
const FUNCTIONS = ["wsgi", "worker", "management"].map((h) => `dev-myapp-pocket-${h}`);

const STACKS = [
  ["main-pocket-vpc", REGION],
  ["dev-myapp-main-cloudfront-keys", "us-east-1"],
  ["dev-myapp-container", REGION],
  ["dev-myapp-main-cloudfront", "us-east-1"],
] as const;

let dir: string;
let image: string;
let fileSystemId: string;
let secretBefore: string;
let physicalBefore: Record<string, string>;
let addressesBefore: string[];

async function outputs(name: string, region: string): Promise<Record<string, string>> {
  const out = await cfn(region).send(new DescribeStacksCommand({ StackName: name }));
  return Object.fromEntries((out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
}

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

/** Every resource's physical id, as `stack/LogicalId`, but for the types moto cannot update. */
async function physicalIds(): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, region] of STACKS) {
    const out = await cfn(region).send(new ListStackResourcesCommand({ StackName: name }));
    for (const r of out.StackResourceSummaries ?? []) {
      if (!MOTO_CANNOT_UPDATE.has(r.ResourceType!))
        ids[`${name}/${r.LogicalResourceId}`] = r.PhysicalResourceId!;
    }
  }
  return ids;
}

async function elasticIps(): Promise<string[]> {
  const out = await new EC2Client({ region: REGION }).send(new DescribeAddressesCommand({}));
  return (out.Addresses ?? []).map((a) => a.PublicIp!).sort();
}

async function secretString(): Promise<string> {
  const sm = new SecretsManagerClient({ region: REGION });
  return (await sm.send(new GetSecretValueCommand({ SecretId: SECRET_ID }))).SecretString!;
}

beforeAll(async () => {
  await freshMoto();
  image = await putTestImage("dev-myapp-pocket-lambda", "dev", REGION);
  await new S3Client({ region: REGION, forcePathStyle: true }).send(
    new CreateBucketCommand({
      Bucket: "dev-myapp-pocket",
      CreateBucketConfiguration: { LocationConstraint: REGION },
    }),
  );
  // The managed secrets at the original's path and layout ({stage: {project: {NAME: value}}}).
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  secretBefore = JSON.stringify({
    dev: {
      myapp: {
        SECRET_KEY: "known-secret-key-of-the-original",
        CF_KEY: { pem: b64(privateKey), pub: b64(publicKey) },
      },
    },
  });
  await new SecretsManagerClient({ region: REGION }).send(
    new CreateSecretCommand({ Name: SECRET_ID, SecretString: secretBefore }),
  );
  // The original makes the file system through the API, found again by its Name tag.
  fileSystemId = (
    (await efs("POST", {
      CreationToken: "original",
      Encrypted: true,
      Tags: [{ Key: "Name", Value: "main-pocket" }],
    })) as {
      FileSystemId: string;
    }
  ).FileSystemId;
  const logs = new CloudWatchLogsClient({ region: REGION });
  for (const fn of FUNCTIONS)
    await logs.send(new CreateLogGroupCommand({ logGroupName: `/aws/lambda/${fn}` }));

  // Rendered offline, the original wrote "None" for the file system id: a deploy had its id.
  await createStack(
    "main-pocket-vpc",
    REGION,
    tk("42a3468-vpc.yaml").replaceAll('"None"', `"${fileSystemId}"`),
  );
  // Rendered offline, the key was empty: a deploy had the public half of CF_KEY.
  await createStack(
    "dev-myapp-main-cloudfront-keys",
    "us-east-1",
    tk("42a3468-cfkeys.yaml").replace(/EncodedKey: \|\n\s*\n/, `EncodedKey: ${JSON.stringify(publicKey)}\n`),
  );
  // The original imports the key id, exported in us-east-1, from the stage's region, which
  // CloudFormation cannot do: the literal id stands in for the import.
  const keyId = (await outputs("dev-myapp-main-cloudfront-keys", "us-east-1")).PublicKeyId!;
  await createStack(
    "dev-myapp-container",
    REGION,
    tk("42a3468-container.yaml").replaceAll(
      /Fn::ImportValue: "dev-myapp-main-public-key-id"/g,
      `Fn::Sub: "${keyId}"`,
    ),
  );
  await createStack("dev-myapp-main-cloudfront", "us-east-1", tk("42a3468-cf.yaml"));
  physicalBefore = await physicalIds();
  addressesBefore = await elasticIps();
  dir = project(tk("pocket-42a3468.toml"), "myapp");
}, 180_000);

describe("taking over a stage deployed by the original at the seed's version (tk)", () => {
  it("refuses, before any change, a takeover that would replace something, and names it", async () => {
    // Another second zone than the original deployed: the VPC's subnets would be replaced.
    const moved = project(tk("pocket-42a3468.toml").replace('["a", "c"]', '["a", "d"]'), "myapp");
    const adopt = pocket(["adopt", "--stage", "dev"], { cwd: moved, env: env() });
    expect(adopt.status).toBe(1);
    expect(adopt.stderr).toContain(
      "main-pocket-vpc: PrivateSubnet2 (AWS::EC2::Subnet) would be replaced: AvailabilityZone changes",
    );
    const r = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: moved, env: env() });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("PrivateSubnet2 (AWS::EC2::Subnet) would be replaced");
    expect(await physicalIds()).toEqual(physicalBefore);
  });

  it("adopt says what deployed it and that nothing is replaced", () => {
    const r = pocket(["adopt", "--stage", "dev"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("deployed by the original (42a3468)");
    expect(r.stdout).toContain(`EFS file system ${fileSystemId} outside the stack`);
    expect(r.stdout).toContain("nothing is replaced or deleted");
  });

  it("deploys in place: every physical id, the secrets and the file system stay", async () => {
    const r = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("taking over");
    const after = await physicalIds();
    const moved = Object.entries(physicalBefore).filter(([id, physical]) => after[id] !== physical);
    expect(Object.fromEntries(moved.map(([id, physical]) => [id, `${physical} -> ${after[id]}`]))).toEqual(
      {},
    );
    expect(addressesBefore).toHaveLength(2);
    expect(await elasticIps()).toEqual(addressesBefore);
    expect(await secretString()).toBe(secretBefore);
    const fs = (await efs("GET")) as { FileSystems: { FileSystemId: string }[] };
    expect(fs.FileSystems.map((f) => f.FileSystemId)).toEqual([fileSystemId]);
    const groups = await new CloudWatchLogsClient({ region: REGION }).send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/lambda/" }),
    );
    expect(groups.logGroups?.map((g) => g.logGroupName).sort()).toEqual(
      FUNCTIONS.map((f) => `/aws/lambda/${f}`).sort(),
    );
  });

  it("is in sync afterwards, and a second deploy changes nothing", () => {
    const status = pocket(["status", "--stage", "dev"], { cwd: dir, env: env() });
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).not.toMatch(/needs update|missing|FAILED/);
    const again = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: env() });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain("No changes");
    expect(again.stderr).not.toContain("taking over");
  });
});

import { generateKeyPairSync } from "node:crypto";
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from "@aws-sdk/client-cloudformation";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { freshMoto, REGION } from "./harness.js";
import { createStack, efs, original } from "./original-stacks.js";

/*
 * Issue 22, the original's current version: its distribution and keys stacks live in the stage's
 * region, where pocket has none (pocket's are in us-east-1). Their takeover is not built, so
 * `pocket adopt` and `pocket deploy` refuse such a stage before any change, naming the stack.
 * tk has no rendered keys stack of this version; tk2's is the same file for the same names
 * (signing_key CF_KEY of distribution main), so it stands in.
 */
const env = () => motoEnv(REGION);
const cfn = (region = REGION) => new CloudFormationClient({ region });
const REFUSED =
  "dev-myapp-main-cloudfront (ap-northeast-1): a distribution stack of the original's current version";

let dir: string;
let image: string;
let resourcesBefore: string[];

async function regionResources(): Promise<string[]> {
  const ids: string[] = [];
  for (const name of [
    "main-pocket-vpc",
    "dev-myapp-main-cloudfront-keys",
    "dev-myapp-container-main",
    "dev-myapp-main-cloudfront",
  ]) {
    const out = await cfn().send(new ListStackResourcesCommand({ StackName: name }));
    for (const r of out.StackResourceSummaries ?? [])
      ids.push(`${name}/${r.LogicalResourceId}=${r.PhysicalResourceId}`);
  }
  return ids.sort();
}

beforeAll(async () => {
  await freshMoto();
  image = await putTestImage("dev-myapp-pocket-main-lambda", "dev", REGION);
  const { FileSystemId } = (await efs("POST", {
    CreationToken: "original",
    Tags: [{ Key: "Name", Value: "main-pocket" }],
  })) as { FileSystemId: string };
  const { publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  // Rendered offline: "None" for the file system's id and an empty key, which a deploy had.
  await createStack(
    "main-pocket-vpc",
    REGION,
    original("tk", "head-vpc.yaml").replaceAll('"None"', `"${FileSystemId}"`),
  );
  await createStack(
    "dev-myapp-main-cloudfront-keys",
    REGION,
    original("tk2", "head-cfkeys.yaml").replace(
      /EncodedKey: \|\n\s*\n/,
      `EncodedKey: ${JSON.stringify(publicKey)}\n`,
    ),
  );
  await createStack("dev-myapp-container-main", REGION, original("tk", "head-container.yaml"));
  await createStack("dev-myapp-main-cloudfront", REGION, original("tk", "head-cf.yaml"));
  resourcesBefore = await regionResources();
  dir = project(original("tk", "pocket-head.toml"), "myapp");
}, 180_000);

describe("a stage deployed by the original's current version (tk)", () => {
  it("adopt names its stacks and refuses the distribution stack in the stage's region", () => {
    const r = pocket(["adopt", "--stage", "dev"], { cwd: dir, env: env() });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("deployed by the original (head)");
    expect(r.stdout).toContain("dev-myapp-container-main (ap-northeast-1)");
    expect(r.stderr).toContain(REFUSED);
  });

  it("deploy refuses before any change", async () => {
    const r = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: env() });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(REFUSED);
    expect(await regionResources()).toEqual(resourcesBefore);
    await expect(
      cfn("us-east-1").send(new DescribeStacksCommand({ StackName: "dev-myapp-main-cloudfront" })),
    ).rejects.toThrow(/does not exist/);
    const buckets = await new S3Client({ region: REGION, forcePathStyle: true }).send(
      new ListBucketsCommand({}),
    );
    expect((buckets.Buckets ?? []).map((b) => b.Name)).not.toContain("dev-myapp-pocket-state");
  });
});

import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { REGION } from "./harness.js";
import {
  createStack,
  expectInSyncAndNoChange,
  expectTakenOverInPlace,
  type OriginalStage,
  physicalIds,
  tk,
  tkStage,
} from "./original-stacks.js";

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
const env = () => motoEnv(REGION);
const cfn = (region = REGION) => new CloudFormationClient({ region });

const STACKS = [
  ["main-pocket-vpc", REGION],
  ["dev-myapp-main-cloudfront-keys", "us-east-1"],
  ["dev-myapp-container", REGION],
  ["dev-myapp-main-cloudfront", "us-east-1"],
] as const;

let dir: string;
let before: OriginalStage;

async function outputs(name: string, region: string): Promise<Record<string, string>> {
  const out = await cfn(region).send(new DescribeStacksCommand({ StackName: name }));
  return Object.fromEntries((out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
}

beforeAll(async () => {
  before = await tkStage({
    version: "42a3468",
    stacks: STACKS,
    keys: { region: "us-east-1", template: tk("42a3468-cfkeys.yaml") },
    createStacks: async () => {
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
    },
  });
  dir = project(tk("pocket-42a3468.toml"), "myapp");
}, 180_000);

describe("taking over a stage deployed by the original at the seed's version (tk)", () => {
  it("refuses, before any change, a takeover that would replace something, and names it", async () => {
    // Another second zone than the original deployed: the VPC's subnets would be replaced.
    const otherZone = project(tk("pocket-42a3468.toml").replace('["a", "c"]', '["a", "d"]'), "myapp");
    const adopt = pocket(["adopt", "--stage", "dev"], { cwd: otherZone, env: env() });
    expect(adopt.status).toBe(1);
    expect(adopt.stderr).toContain(
      "main-pocket-vpc: PrivateSubnet2 (AWS::EC2::Subnet) would be replaced: AvailabilityZone changes",
    );
    const r = pocket(["deploy", "--stage", "dev", "--image", before.image], { cwd: otherZone, env: env() });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("PrivateSubnet2 (AWS::EC2::Subnet) would be replaced");
    expect(await physicalIds(STACKS)).toEqual(before.physical);
  });

  it("adopt says what deployed it and that nothing is replaced", () => {
    const r = pocket(["adopt", "--stage", "dev"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("deployed by the original (42a3468)");
    expect(r.stdout).toContain(`EFS file system ${before.fileSystemId} outside the stack`);
    expect(r.stdout).toContain("nothing is replaced or deleted");
  });

  it("deploys in place: every physical id, the secrets and the file system stay", async () => {
    const r = pocket(["deploy", "--stage", "dev", "--image", before.image], { cwd: dir, env: env() });
    await expectTakenOverInPlace(before, r);
  });

  it("is in sync afterwards, and a second deploy changes nothing", () => {
    expectInSyncAndNoChange(dir, before.image);
  });
});

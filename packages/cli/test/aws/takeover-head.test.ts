import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { REGION } from "./harness.js";
import {
  createStack,
  deniedCalls,
  expectHeadTakenOverInPlace,
  expectInSyncAndNoChange,
  type OriginalStage,
  original,
  physicalIds,
  tk,
  tkStage,
} from "./original-stacks.js";
import { type RecordedRequest, record } from "./recorder.js";

/*
 * Issue 22, the original's current version (HEAD, `[container.<name>]`): its distribution and keys
 * stacks live in the stage's region, and `pocket deploy` takes them over there, in place, with the
 * container and the shared VPC stacks. The original's templates are read from beside the checkout
 * (never copied in; CI has them) and created on moto with what it made outside CloudFormation
 * (original-stacks.ts). tk has no rendered keys stack of this version; tk2's is the same file for
 * the same names (signing_key CF_KEY of distribution main), so it stands in. moto lacks
 * ApiGatewayV2 in CloudFormation and CloudFront (test/moto/server.py stands in for the latter).
 */
const env = () => motoEnv(REGION);
const ACCOUNT = "123456789012";
const STACKS = [
  ["main-pocket-vpc", REGION],
  ["dev-myapp-main-cloudfront-keys", REGION],
  ["dev-myapp-container-main", REGION],
  ["dev-myapp-main-cloudfront", REGION],
] as const;

let dir: string;
let before: OriginalStage;
let deployRequests: RecordedRequest[] = [];

beforeAll(async () => {
  before = await tkStage({
    version: "head",
    stacks: STACKS,
    keys: { region: REGION, template: original("tk2", "head-cfkeys.yaml") },
    createStacks: async () => {
      await createStack("dev-myapp-container-main", REGION, tk("head-container.yaml"));
      await createStack("dev-myapp-main-cloudfront", REGION, tk("head-cf.yaml"));
    },
  });
  dir = project(tk("pocket-head.toml"), "myapp");
}, 180_000);

describe("taking over a stage deployed by the original's current version (tk)", () => {
  it("adopt finds the distribution and keys stacks in the stage's region and replaces nothing", () => {
    const r = pocket(["adopt", "--stage", "dev"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("deployed by the original (head)");
    expect(r.stdout).toContain(`distribution and keys stacks in ${REGION}, not us-east-1`);
    expect(r.stdout).toContain(`dev-myapp-main-cloudfront (${REGION})`);
    expect(r.stdout).toContain(`dev-myapp-main-cloudfront-keys (${REGION})`);
    expect(r.stdout).toContain("nothing is replaced or deleted");
  });

  it("deploys in place: every physical id, the secrets, the file system and the log groups stay", async () => {
    const recorded = await record(() =>
      pocket(["deploy", "--stage", "dev", "--image", before.image], { cwd: dir, env: env() }),
    );
    deployRequests = recorded.requests;
    await expectHeadTakenOverInPlace(before, recorded.result);
    // The original's YAML short forms (`!Ref`) are read as such, without a warning.
    expect(recorded.result.stderr).not.toContain("YAMLWarning");
    // No second distribution: nothing of the stage was made in us-east-1.
    for (const name of ["dev-myapp-main-cloudfront", "dev-myapp-main-cloudfront-keys"]) {
      await expect(
        new CloudFormationClient({ region: "us-east-1" }).send(
          new DescribeStacksCommand({ StackName: name }),
        ),
      ).rejects.toThrow(/does not exist/);
    }
  });

  it("is in sync afterwards, and a second deploy changes nothing", () => {
    expectInSyncAndNoChange(dir, before.image);
  });

  it("every call of the takeover was allowed by pocket permissions, the stage-region stacks included", () => {
    const { denied, calls } = deniedCalls(tk("pocket-head.toml"), deployRequests);
    expect(denied).toEqual([]);
    expect(calls.map((c) => c.resources.join(" "))).toContainEqual(
      expect.stringContaining(`:cloudformation:${REGION}:${ACCOUNT}:stack/dev-myapp-main-cloudfront/`),
    );
  });

  it("refuses domains for a stage-region distribution that names no certificate, before any change", async () => {
    // tk2's file has domains, but tk's deployed distribution names no certificate of the
    // original's {cfslug}-acm stack (us-east-1) to keep: one in the stage's region cannot be made.
    // A deployed distribution that names one is taken over (takeover-head-domains.test.ts).
    const tk2 = project(original("tk2", "pocket-head.toml"), "myapp");
    const ids = await physicalIds(STACKS);
    const r = pocket(["adopt", "--stage", "dev"], { cwd: tk2, env: env() });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `dev-myapp-main-cloudfront (${REGION}): its domains need a certificate ({cfslug}-acm stack) in us-east-1, which pocket does not take over from the original's current version yet`,
    );
    const deploy = pocket(["deploy", "--stage", "dev", "--image", before.image], { cwd: tk2, env: env() });
    expect(deploy.status).toBe(1);
    expect(deploy.stderr).toContain("its domains need a certificate ({cfslug}-acm stack)");
    expect(await physicalIds(STACKS)).toEqual(ids);
  });

  it("destroy deletes the distribution and keys stacks where they are, in the stage's region", async () => {
    const r = pocket(["destroy", "--stage", "dev", "--yes"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    for (const name of [
      "dev-myapp-main-cloudfront",
      "dev-myapp-main-cloudfront-keys",
      "dev-myapp-container-main",
    ]) {
      await expect(
        new CloudFormationClient({ region: REGION }).send(new DescribeStacksCommand({ StackName: name })),
      ).rejects.toThrow(/does not exist/);
    }
  });
});

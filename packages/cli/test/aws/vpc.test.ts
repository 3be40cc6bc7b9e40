import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { freshMoto, general, REGION, stackExists, stageImage, WSGI_CONTAINER } from "./harness.js";

// Project A owns the VPC and shares it; project B uses it with manage = false (seed: "VPC の共有").
const owner = (sharable: boolean) => `
${general("owner")}
[vpc]
ref = "main"
zone_suffixes = ["a", "c"]
sharable = ${sharable}

${WSGI_CONTAINER}`;

const consumer = `
${general("user")}
[vpc]
ref = "main"
manage = false

${WSGI_CONTAINER}`;

const env = () => motoEnv(REGION);
const cfn = () => new CloudFormationClient({ region: REGION });

let ownerImage: string;
let userImage: string;

beforeAll(async () => {
  await freshMoto();
  ownerImage = await stageImage("owner");
  userImage = await stageImage("user");
});

async function stackTags(name: string): Promise<Record<string, string>> {
  const out = await cfn().send(new DescribeStacksCommand({ StackName: name }));
  return Object.fromEntries((out.Stacks?.[0]?.Tags ?? []).map((t) => [t.Key!, t.Value!]));
}

// moto cannot delete a stack holding a VPC with route tables (its DeleteStack fails with
// DependencyViolation on the VPC, whatever the order), so the owner's final VPC deletion is not
// exercised here; the refusal happens before any DeleteStack and is.
describe("a shared VPC against moto", () => {
  const a = () => project(owner(false), "owner");
  let ownerDir: string;
  let userDir: string;

  it("refuses a consumer while the owner's VPC is not sharable", () => {
    ownerDir = a();
    const deployed = pocket(["deploy", "--stage", "dev", "--image", ownerImage], {
      cwd: ownerDir,
      env: env(),
    });
    expect(deployed.status, deployed.stderr).toBe(0);
    userDir = project(consumer, "user");
    const r = pocket(["deploy", "--stage", "dev", "--image", userImage], { cwd: userDir, env: env() });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: the VPC stack main-pocket-vpc is not marked sharable");
    expect(r.stderr).toContain("sharable = true");
  });

  it("registers the consumer on the VPC stack, and the owner's deploy keeps the registration", async () => {
    writeFileSync(join(ownerDir, "pocket.toml"), owner(true));
    const shared = pocket(["deploy", "--stage", "dev", "--image", ownerImage], { cwd: ownerDir, env: env() });
    expect(shared.status, shared.stderr).toBe(0);
    expect((await stackTags("main-pocket-vpc"))["pocket:sharable"]).toBe("true");

    const used = pocket(["deploy", "--stage", "dev", "--image", userImage], { cwd: userDir, env: env() });
    expect(used.status, used.stderr).toBe(0);
    expect(used.stderr).toContain("registering with VPC stack main-pocket-vpc");
    expect((await stackTags("main-pocket-vpc"))["pocket:consumer:dev-user"]).toBe("deployed");

    const again = pocket(["deploy", "--stage", "dev", "--image", userImage], { cwd: userDir, env: env() });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toContain("registering");

    const ownerAgain = pocket(["deploy", "--stage", "dev", "--image", ownerImage], {
      cwd: ownerDir,
      env: env(),
    });
    expect(ownerAgain.status, ownerAgain.stderr).toBe(0);
    expect(ownerAgain.stderr).toContain("VPC stack main-pocket-vpc: no changes");
    expect((await stackTags("main-pocket-vpc"))["pocket:consumer:dev-user"]).toBe("deployed");
  });

  it("refuses to delete the VPC while a consumer is registered, and the consumer's destroy unregisters", async () => {
    const refused = pocket(["destroy", "--stage", "dev", "--yes"], { cwd: ownerDir, env: env() });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      "the VPC stack main-pocket-vpc is still used by dev-user; it was not deleted",
    );
    expect(await stackExists("main-pocket-vpc", REGION)).toBe(true);
    // The owner's own container went first (reverse deploy order); only the shared VPC stays.
    expect(await stackExists("dev-owner-container", REGION)).toBe(false);

    const gone = pocket(["destroy", "--stage", "dev", "--yes"], { cwd: userDir, env: env() });
    expect(gone.status, gone.stderr).toBe(0);
    expect(await stackExists("dev-user-container", REGION)).toBe(false);
    expect(await stackTags("main-pocket-vpc")).not.toHaveProperty("pocket:consumer:dev-user");
  });
});

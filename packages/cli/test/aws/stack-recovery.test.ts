import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from "@aws-sdk/client-cloudformation";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { freshMoto, general, REGION, WSGI_CONTAINER } from "./harness.js";

/*
 * A stack whose creation failed sits in ROLLBACK_COMPLETE until it is deleted. moto never fails a
 * creation, so the harness's moto (test/moto/server.py) fails any template that carries
 * `Metadata.PocketTestFailCreate`, recording the CREATE_FAILED event AWS would.
 */
const TOML = `
${general("rb")}
${WSGI_CONTAINER}`;
const STACK = "dev-rb-container";
const REASON =
  "Resource handler returned message: 'Source image is not valid' (HandlerErrorCode: InvalidRequest)";

let dir: string;
let image: string;
const cfn = () => new CloudFormationClient({ region: REGION });
const status = async () =>
  (await cfn().send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0]?.StackStatus;

beforeAll(async () => {
  await freshMoto();
  image = await putTestImage("dev-rb-pocket-lambda", "dev", REGION);
  dir = project(TOML, "rb");
  await cfn().send(
    new CreateStackCommand({
      StackName: STACK,
      // pocket's description, as its own failed creation carries (else the takeover check reads it
      // as a stack the original deployed).
      TemplateBody: JSON.stringify({
        Description: "magic-pocket container stack (test stand-in)",
        Metadata: { PocketTestFailCreate: REASON },
        Resources: { WsgiLambdaFunction: { Type: "AWS::CloudFormation::WaitConditionHandle" } },
      }),
    }),
  );
});

describe("a stack left in ROLLBACK_COMPLETE by a failed creation", () => {
  it("is reported as failed by status", () => {
    const r = pocket(["status", "--stage", "dev", "--json"], { cwd: dir, env: motoEnv(REGION) });
    const resources = (JSON.parse(r.stdout) as { resources: { id: string; state: string }[] }).resources;
    expect(resources.find((x) => x.id === "container")?.state).toBe("failed");
    expect(r.status).toBe(1);
  });

  it("stops deploy with the original cause and the way out, changing nothing, when nobody can answer", async () => {
    const r = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: motoEnv(REGION) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`stack ${STACK} failed to create earlier and was rolled back`);
    expect(r.stderr).toContain(
      `WsgiLambdaFunction (AWS::CloudFormation::WaitConditionHandle) failed: ${REASON}`,
    );
    expect(r.stderr).toContain("Re-run with --yes to delete and recreate it");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await status()).toBe("ROLLBACK_COMPLETE");
  });

  it("deletes and recreates it with --yes", async () => {
    const r = pocket(["deploy", "--stage", "dev", "--image", image, "--yes"], {
      cwd: dir,
      env: motoEnv(REGION),
    });
    expect(r.status, r.stderr).toBe(0);
    expect(await status()).toBe("CREATE_COMPLETE");
  });
});

describe("a stage deployed only with --image (no image carries the stage's tag)", () => {
  it("is compared with the image its stack runs: status in sync, plan shows only the next build", async () => {
    const ci = project(TOML.replace('project_name = "rb"', 'project_name = "ci"'), "ci");
    const built = await putTestImage("dev-ci-pocket-lambda", "ci-build-7", REGION);
    const env = motoEnv(REGION);
    const deploy = pocket(["deploy", "--stage", "dev", "--image", built], { cwd: ci, env });
    expect(deploy.status, deploy.stderr).toBe(0);
    const status = pocket(["status", "--stage", "dev", "--json"], { cwd: ci, env });
    expect(status.status, status.stderr).toBe(0);
    const resources = (JSON.parse(status.stdout) as { resources: { id: string; state: string }[] }).resources;
    expect(resources.find((x) => x.id === "container")?.state).toBe("in-sync");
    const diff = pocket(["resource", "awscontainer", "yaml-diff", "--stage", "dev"], { cwd: ci, env });
    expect(diff.status, diff.stderr).toBe(0);
    expect(diff.stdout).toContain("no differences");
  });
});

import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { djangoContainer, freshMoto, general, REGION } from "./harness.js";
import { record } from "./recorder.js";

// A stage that allows hotswaps (dev) and one that does not (prd), each with S3, a managed secret
// and two functions.
const config = (greeting: string) => `
${general("hot", ["dev", "prd"])}
[s3]

${djangoContainer({ envs: { GREETING: greeting }, management: [] })}
[dev.awscontainer]
hotswap = true
`;

const REPO = "dev-hot-pocket-lambda";
const FUNCTIONS = ["dev-hot-pocket-wsgi", "dev-hot-pocket-management"];
const DRIFT_KEY = "hotswap/dev-hot-container.json";
const env = () => motoEnv(REGION);

let dir: string;
let first: string;

const imageOf = async (name: string) =>
  (await new LambdaClient({ region: REGION }).send(new GetFunctionCommand({ FunctionName: name }))).Code
    ?.ImageUri;

const stackImage = async () =>
  (
    await new CloudFormationClient({ region: REGION }).send(
      new DescribeStacksCommand({ StackName: "dev-hot-container" }),
    )
  ).Stacks?.[0]?.Parameters?.find((p) => p.ParameterKey === "ImageUri")?.ParameterValue;

const driftRecord = async (): Promise<Record<string, unknown> | undefined> => {
  try {
    const out = await new S3Client({ region: REGION, forcePathStyle: true }).send(
      new GetObjectCommand({ Bucket: "dev-hot-pocket-state", Key: DRIFT_KEY }),
    );
    return JSON.parse(await out.Body!.transformToString());
  } catch {
    return undefined;
  }
};

/** UpdateFunctionCode as pocket sends it (REST: PUT .../functions/NAME/code). */
const functionCodeUpdates = (ops: string[]) =>
  ops.filter((op) => /^PUT \/[^ ]*\/functions\/[^/]+\/code$/.test(op));

beforeAll(async () => {
  await freshMoto();
  first = await putTestImage(REPO, "dev", REGION);
  dir = project(config("hello"), "hot");
  const r = pocket(["deploy", "--stage", "dev", "--image", first], { cwd: dir, env: env() });
  expect(r.status, r.stderr).toBe(0);
});

describe("pocket deploy --hotswap", () => {
  it("is refused on a stage whose [awscontainer] does not set hotswap = true, before any change", () => {
    const r = pocket(["deploy", "--stage", "prd", "--hotswap", "--image", first], { cwd: dir, env: env() });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("stage prd does not allow --hotswap; nothing was changed");
    expect(r.stderr).toContain("hotswap = true");
    expect(r.stderr).toContain("[prd.awscontainer]");
  });

  let second: string;
  it("updates the functions to the new image when it is the only change, and records the drift", async () => {
    second = await putTestImage(REPO, "dev", REGION);
    const { result: r, operations } = await record(() =>
      pocket(["deploy", "--stage", "dev", "--hotswap", "--image", second], { cwd: dir, env: env() }),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("Hotswapped stage dev");
    for (const name of FUNCTIONS) expect(await imageOf(name)).toBe(second);
    expect(functionCodeUpdates(operations)).toHaveLength(FUNCTIONS.length);
    // No stack update: the stack still names the first image.
    expect(operations).not.toContain("UpdateStack");
    expect(operations).not.toContain("CreateChangeSet");
    expect(await stackImage()).toBe(first);
    expect(await driftRecord()).toMatchObject({
      stack: "dev-hot-container",
      stackImage: first,
      image: second,
      functions: expect.arrayContaining(FUNCTIONS),
    });
  });

  it("shows the drift in pocket status", () => {
    const r = pocket(["status", "--stage", "dev", "--json"], { cwd: dir, env: env() });
    const container = JSON.parse(r.stdout).resources.find((x: { id: string }) => x.id === "container");
    expect(container.state).toBe("needs-update");
    expect(container.detail).toContain("hotswapped");
    expect(container.detail).toContain(second.split("@")[1]!.slice(0, 19));
    expect(container.detail).toContain(first.split("@")[1]!.slice(0, 19));
    const text = pocket(["status", "--stage", "dev"], { cwd: dir, env: env() });
    expect(text.stdout).toContain("the next full `pocket deploy` reconciles the stack");
  });

  it("says no changes when the functions already run the image", () => {
    const r = pocket(["deploy", "--stage", "dev", "--hotswap", "--image", second], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("No changes: stage dev runs this image");
  });

  it("falls back to the full deploy, saying why, when more than the image changed", async () => {
    const third = await putTestImage(REPO, "dev", REGION);
    const changed = project(config("changed"), "hot");
    const r = pocket(["deploy", "--stage", "dev", "--hotswap", "--image", third], {
      cwd: changed,
      env: env(),
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "--hotswap: the container stack's template or parameters changed beyond the image",
    );
    expect(r.stderr).toContain("Deployed stage dev");
    expect(await stackImage()).toBe(third);
    for (const name of FUNCTIONS) expect(await imageOf(name)).toBe(third);
    // The full deploy reconciled the stack: no drift left.
    expect(await driftRecord()).toBeUndefined();
    // Back to the first config for the next test.
    const back = pocket(["deploy", "--stage", "dev", "--image", third], { cwd: dir, env: env() });
    expect(back.status, back.stderr).toBe(0);
  });

  it("is reconciled by the next full deploy without a second function update from pocket", async () => {
    const fourth = await putTestImage(REPO, "dev", REGION);
    const hot = pocket(["deploy", "--stage", "dev", "--hotswap", "--image", fourth], {
      cwd: dir,
      env: env(),
    });
    expect(hot.status, hot.stderr).toBe(0);
    expect(await driftRecord()).toMatchObject({ image: fourth });

    const { result: r, operations } = await record(() =>
      pocket(["deploy", "--stage", "dev", "--image", fourth], { cwd: dir, env: env() }),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(functionCodeUpdates(operations)).toEqual([]);
    expect(await stackImage()).toBe(fourth);
    for (const name of FUNCTIONS) expect(await imageOf(name)).toBe(fourth);
    expect(await driftRecord()).toBeUndefined();
    const status = pocket(["status", "--stage", "dev", "--json"], { cwd: dir, env: env() });
    const container = JSON.parse(status.stdout).resources.find((x: { id: string }) => x.id === "container");
    expect(container.state).toBe("in-sync");
  });
});

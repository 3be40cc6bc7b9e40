import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetFunctionCommand, GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { djangoContainer, freshMoto, general, REGION } from "./harness.js";

/*
 * Day two (issue 26): every deploy that changes the stage is recorded in the state bucket,
 * `pocket history` lists the records, and `pocket rollback` puts the recorded image digest and
 * templates back while the data (a user upload, a secret's value) stays as it is.
 */
// tracing = true on the handler: X-Ray active tracing shows in the function configuration.
const container = (timeout: number) => djangoContainer({ wsgi: [`timeout = ${timeout}`, "tracing = true"] });
const toml = (timeout: number) => `${general("hist")}\n[s3]\n\n${container(timeout)}`;

const env = () => motoEnv(REGION);
const FUNCTION = "dev-hist-pocket-wsgi";
const SECRET = "dev-hist-pocket"; // pocket_key_format: {stage}-{project}-{namespace}
let dir: string;
let first: string;
let second: string;

const run = (args: string[]) => pocket([...args, "--stage", "dev"], { cwd: dir, env: env() });
const lambda = () => new LambdaClient({ region: REGION });
const functionConfig = async () =>
  lambda().send(new GetFunctionConfigurationCommand({ FunctionName: FUNCTION }));
const secretValue = async () =>
  (await new SecretsManagerClient({ region: REGION }).send(new GetSecretValueCommand({ SecretId: SECRET })))
    .SecretString;

beforeAll(async () => {
  await freshMoto();
  dir = project(toml(30), "hist");
  first = await putTestImage("dev-hist-pocket-lambda", "first", REGION);
  second = await putTestImage("dev-hist-pocket-lambda", "second", REGION);
}, 120_000);

describe("deploy history and rollback", () => {
  it("records each deploy that changed the stage, and none for one that changed nothing", async () => {
    const one = run(["deploy", "--image", first]);
    expect(one.status, one.stderr).toBe(0);
    expect(one.stderr).toContain("(deploy #1 in `pocket history`)");
    expect((await functionConfig()).TracingConfig?.Mode).toBe("Active");
    const again = run(["deploy", "--image", first]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toContain("in `pocket history`");

    writeFileSync(join(dir, "pocket.toml"), toml(25));
    const two = run(["deploy", "--image", second]);
    expect(two.status, two.stderr).toBe(0);
    expect(two.stderr).toContain("(deploy #2 in `pocket history`)");
  }, 180_000);

  it("pocket history lists both, newest first, with image digest, caller, stacks and parameters", () => {
    const r = run(["history", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const { deploys } = JSON.parse(r.stdout);
    expect(deploys.map((d: { number: number }) => d.number)).toEqual([2, 1]);
    const [two, one] = deploys;
    expect(one.image.digest).toBe(first.split("@")[1]);
    expect(two.image.digest).toBe(second.split("@")[1]);
    expect(one).toMatchObject({ command: "deploy", outcome: "succeeded", cliVersion: expect.any(String) });
    expect(one.caller).toMatch(/^arn:aws:/);
    expect(one.configHash).not.toBe(two.configHash);
    const stack = one.stacks.find((s: { name: string }) => s.name === "dev-hist-container");
    expect(stack.templateHash).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.values(stack.parameters)).toContain(first);
    const text = run(["history"]);
    expect(text.stdout.split("\n")[0]).toMatch(/^#2 .* deploy {2}sha256:/);
  });

  it("rollback shows its plan, puts back deploy #1's image and template, and leaves data alone", async () => {
    await new S3Client({ region: REGION }).send(
      new PutObjectCommand({ Bucket: "dev-hist-pocket", Key: "media/upload.txt", Body: "kept" }),
    );
    const secret = await secretValue();
    expect((await functionConfig()).Timeout).toBe(25);

    const refused = run(["rollback"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("Rollback of stage dev to deploy #1");
    expect(refused.stderr).toContain("Data is not touched");
    expect(refused.stderr).toContain("nothing was changed");
    expect((await functionConfig()).Timeout).toBe(25);

    const r = run(["rollback", "--yes"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("Rolled stage dev back to deploy #1");
    const config = await functionConfig();
    expect(config.Timeout).toBe(30);
    const image = (await lambda().send(new GetFunctionCommand({ FunctionName: FUNCTION }))).Code?.ImageUri;
    expect(image).toBe(first);
    const upload = await new S3Client({ region: REGION }).send(
      new GetObjectCommand({ Bucket: "dev-hist-pocket", Key: "media/upload.txt" }),
    );
    expect(await upload.Body!.transformToString()).toBe("kept");
    expect(await secretValue()).toBe(secret);

    const { deploys } = JSON.parse(run(["history", "--json"]).stdout);
    expect(deploys[0]).toMatchObject({ number: 3, command: "rollback", rollbackOf: 1 });
    expect(deploys[0].image.digest).toBe(first.split("@")[1]);
  }, 180_000);

  it("a rollback to where the stage already is changes nothing; --to names a deploy that must exist", () => {
    const same = run(["rollback", "--to", "1", "--yes"]);
    expect(same.status, same.stderr).toBe(0);
    expect(same.stderr).toContain("already runs deploy #1");
    const missing = run(["rollback", "--to", "9"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("stage dev has no deploy #9");
  });
});

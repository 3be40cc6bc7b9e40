import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { ListSecretsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv, putTestImage, resetMoto } from "../moto/moto.js";
import { DJANGO_API_CONTAINER, freshMoto, general, REGION, stageImage } from "./harness.js";
import { mutating, record } from "./recorder.js";

/*
 * `pocket deploy --image` on a fresh account: a bad image is refused before the first change
 * (the state bucket included), so nothing is left behind and "nothing was changed" is true.
 */
const TOML = `
${general("img")}
[s3]

${DJANGO_API_CONTAINER}`;
const NO_CONTAINER = `
${general("img")}
[s3]
`;

let dir: string;
let account: string;
const env = () => motoEnv(REGION);

/** Deploys with `image` and returns the run with every mutating AWS call it made. */
async function deploy(image: string, cwd = dir) {
  return record(() => pocket(["deploy", "--stage", "dev", "--image", image], { cwd, env: env() }));
}

async function leftBehind() {
  const buckets = (await new S3Client({ region: REGION }).send(new ListBucketsCommand({}))).Buckets ?? [];
  const secrets = (await new SecretsManagerClient({ region: REGION }).send(new ListSecretsCommand({})))
    .SecretList;
  return { buckets: buckets.map((b) => b.Name), secrets: (secrets ?? []).map((s) => s.Name) };
}

beforeAll(async () => {
  await freshMoto();
  dir = project(TOML, "img");
  // The account moto answers with, from an image URI in another repository (then forgotten).
  account = (await putTestImage("probe", "x", REGION)).split(".")[0]!;
  await resetMoto();
});

describe("deploy --image is checked before the first change", () => {
  it("refuses an image that is not an ECR URI by digest, with no AWS change", async () => {
    const { result, operations } = await deploy("notanimage");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--image must be an ECR image by digest, got "notanimage"');
    expect(mutating(operations)).toEqual([]);
    expect(await leftBehind()).toEqual({ buckets: [], secrets: [] });
  });

  it("refuses an image in another region than the stage's, with no AWS change", async () => {
    const { result, operations } = await deploy(
      `${account}.dkr.ecr.us-west-2.amazonaws.com/dev-img-pocket-lambda@sha256:${"a".repeat(64)}`,
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("--image is in us-west-2, but the stage deploys to ap-northeast-1");
    expect(mutating(operations)).toEqual([]);
    expect(await leftBehind()).toEqual({ buckets: [], secrets: [] });
  });

  it("refuses a well-formed image that is not in ECR, and says truly that nothing was changed", async () => {
    const missing = `${account}.dkr.ecr.${REGION}.amazonaws.com/dev-img-pocket-lambda@sha256:${"d".repeat(64)}`;
    const { result, operations } = await deploy(missing);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`the image ${missing} is not in ECR`);
    expect(result.stderr).toContain("nothing was changed");
    expect(mutating(operations)).toEqual([]);
    expect(await leftBehind()).toEqual({ buckets: [], secrets: [] });
  });

  it("refuses a digest missing from an existing repository the same way", async () => {
    const image = await stageImage("img");
    const missing = image.replace(/@sha256:.*/, `@sha256:${"e".repeat(64)}`);
    const { result, operations } = await deploy(missing);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("is not in ECR (ImageNotFoundException); nothing was changed");
    expect(mutating(operations)).toEqual([]);
    expect(await leftBehind()).toEqual({ buckets: [], secrets: [] });
  });

  it("plan refuses a bad --image too", () => {
    const r = pocket(["plan", "--stage", "dev", "--image", "notanimage"], { cwd: dir, env: env() });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("--image must be an ECR image by digest");
  });

  it("refuses --image on a stage without [awscontainer] instead of ignoring it", async () => {
    const image = await stageImage("img");
    const { result, operations } = await deploy(image, project(NO_CONTAINER, "img"));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("--image was given, but stage dev has no [awscontainer]");
    expect(mutating(operations)).toEqual([]);
    expect(await leftBehind()).toEqual({ buckets: [], secrets: [] });
  });

  it("deploys a good image (the check lets it through)", async () => {
    const image = await stageImage("img");
    const { result } = await deploy(image);
    expect(result.status, result.stderr).toBe(0);
    expect((await leftBehind()).buckets.sort()).toEqual(["dev-img-pocket", "dev-img-pocket-state"]);
  });
});

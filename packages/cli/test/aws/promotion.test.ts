import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { DJANGO_API_CONTAINER, freshMoto, general, REGION } from "./harness.js";

/*
 * `pocket deploy --stage prd --image-from dev` (issue 26): prd runs exactly the digest dev runs,
 * copied into prd's own repository by manifest, so the digest is the same.
 */
const TOML = `${general("promo", ["dev", "prd"])}\n[s3]\n\n${DJANGO_API_CONTAINER}`;
const env = () => motoEnv(REGION);
let dir: string;

const imageOf = async (fn: string) =>
  (await new LambdaClient({ region: REGION }).send(new GetFunctionCommand({ FunctionName: fn }))).Code
    ?.ImageUri;

beforeAll(async () => {
  await freshMoto();
  dir = project(TOML, "promo");
}, 120_000);

describe("deploy --image-from another stage", () => {
  it("refuses while the source stage runs nothing, having changed nothing", () => {
    const r = pocket(["deploy", "--stage", "prd", "--image-from", "dev"], { cwd: dir, env: env() });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("stage dev is not deployed (no stack dev-promo-container)");
  });

  it("deploys the digest stage dev runs to prd, from prd's repository", async () => {
    const devImage = await putTestImage("dev-promo-pocket-lambda", "dev", REGION);
    const dev = pocket(["deploy", "--stage", "dev", "--image", devImage], { cwd: dir, env: env() });
    expect(dev.status, dev.stderr).toBe(0);
    const digest = devImage.split("@")[1]!;

    const prd = pocket(["deploy", "--stage", "prd", "--image-from", "dev"], { cwd: dir, env: env() });
    expect(prd.status, prd.stderr).toBe(0);
    expect(prd.stderr).toContain(
      `Promoting the image stage dev runs (${digest}), copied into prd-promo-pocket-lambda`,
    );
    const running = await imageOf("prd-promo-pocket-wsgi");
    expect(running).toMatch(/\/prd-promo-pocket-lambda@/);
    expect(running?.split("@")[1]).toBe(digest);
    expect(await imageOf("dev-promo-pocket-wsgi")).toBe(devImage);

    const history = JSON.parse(
      pocket(["history", "--stage", "prd", "--json"], { cwd: dir, env: env() }).stdout,
    );
    expect(history.deploys[0].image.digest).toBe(digest);
  }, 240_000);

  it("refuses --image with --image-from", () => {
    const r = pocket(["deploy", "--stage", "prd", "--image-from", "dev", "--image", "x"], {
      cwd: dir,
      env: env(),
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("give --image or --image-from, not both");
  });
});

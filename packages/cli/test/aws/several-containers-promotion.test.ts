import { DescribeRepositoriesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { freshFolder, general, REGION } from "./harness.js";
import { containerTables, imageContainers } from "./several-containers-stage.js";
import { functionImage as imageOf, runImageInStack as runInDev } from "./stack-image.js";

/*
 * `pocket deploy --stage prd --image-from dev` in a stage of two `[container.<name>]` (the
 * original's current spelling): each container of prd runs the digest the same container of dev
 * runs, copied into its own repository (docs/decisions.md#e15-promotion-by-digest).
 */
const TOML = `${general("promo2", ["dev", "prd"])}
${containerTables(imageContainers())}`;
const pocketHere = (args: string[]) => pocket(args, { cwd: dir, env: motoEnv(REGION) });
let dir: string;

beforeAll(async () => {
  dir = await freshFolder(TOML, "promo2");
}, 120_000);

describe("deploy --image-from with several containers", () => {
  it("refuses while the source stage runs nothing, having copied nothing", async () => {
    const r = pocketHere(["deploy", "--stage", "prd", "--image-from", "dev"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("stage dev is not deployed (no stack dev-promo2-container-");
    const repos = await new ECRClient({ region: REGION }).send(new DescribeRepositoriesCommand({}));
    expect((repos.repositories ?? []).map((x) => x.repositoryName)).not.toContain(
      "prd-promo2-pocket-web-lambda",
    );
  });

  it("deploys to each container of prd the digest the same container of dev runs, from its own repository", async () => {
    const webImage = await putTestImage("dev-promo2-pocket-web-lambda", "dev", REGION);
    const dev = pocketHere(["deploy", "--stage", "dev", "--image", webImage]);
    expect(dev.status, dev.stderr).toBe(0);
    const v2Image = await putTestImage("dev-promo2-pocket-v2-lambda", "dev", REGION);
    await runInDev("dev-promo2-container-v2", v2Image);
    const webDigest = webImage.split("@")[1]!;
    const v2Digest = v2Image.split("@")[1]!;
    expect(v2Digest).not.toBe(webDigest);

    const prd = pocketHere(["deploy", "--stage", "prd", "--image-from", "dev"]);
    expect(prd.status, prd.stderr).toBe(0);
    expect(prd.stderr).toContain(
      `Promoting the image stage dev runs in container web (${webDigest}), copied into prd-promo2-pocket-web-lambda`,
    );
    expect(prd.stderr).toContain(
      `Promoting the image stage dev runs in container v2 (${v2Digest}), copied into prd-promo2-pocket-v2-lambda`,
    );
    const web = await imageOf("prd-promo2-pocket-web-wsgi");
    expect(web).toMatch(/\/prd-promo2-pocket-web-lambda@/);
    expect(web?.split("@")[1]).toBe(webDigest);
    const v2 = await imageOf("prd-promo2-pocket-v2-wsgi");
    expect(v2).toMatch(/\/prd-promo2-pocket-v2-lambda@/);
    expect(v2?.split("@")[1]).toBe(v2Digest);
  }, 240_000);
});

import { beforeAll, describe, expect, it } from "vitest";
import { pocket } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { freshFolder, general, REGION } from "./harness.js";
import { containerTables, imageContainers } from "./several-containers-stage.js";
import { functionImage, runImageInStack } from "./stack-image.js";

/*
 * Deploy history and rollback in a stage of two `[container.<name>]` (the original's current
 * spelling): each record keeps every container's image digest by container name, `pocket history`
 * shows them, and `pocket rollback` puts each container back to its own recorded digest
 * (docs/decisions.md#e14-deploy-history-and-rollback). prd gets two different digests per deploy
 * from dev with `--image-from` (each container the digest the same container of dev runs).
 */
const TOML = `${general("hist2", ["dev", "prd"])}
${containerTables(imageContainers())}`;
const run = (args: string[]) => pocket(args, { cwd: dir, env: motoEnv(REGION) });
const digestOf = (uri: string | undefined) => uri?.split("@")[1];
let dir: string;
const first = { web: "", v2: "" };
const second = { web: "", v2: "" };

/** dev runs new images (web and v2 different), then prd deploys them with --image-from dev. */
async function deployToPrd(tag: string): Promise<{ web: string; v2: string }> {
  const web = await putTestImage("dev-hist2-pocket-web-lambda", tag, REGION);
  const dev = run(["deploy", "--stage", "dev", "--image", web]);
  expect(dev.status, dev.stderr).toBe(0);
  const v2 = await putTestImage("dev-hist2-pocket-v2-lambda", tag, REGION);
  await runImageInStack("dev-hist2-container-v2", v2);
  const prd = run(["deploy", "--stage", "prd", "--image-from", "dev", "--yes"]);
  expect(prd.status, prd.stderr).toBe(0);
  return { web: digestOf(web)!, v2: digestOf(v2)! };
}

beforeAll(async () => {
  dir = await freshFolder(TOML, "hist2");
}, 120_000);

describe("history and rollback with several containers", () => {
  it("records every container's image digest by container name, and pocket history shows them", async () => {
    Object.assign(first, await deployToPrd("one"));
    Object.assign(second, await deployToPrd("two"));
    expect(new Set([first.web, first.v2, second.web, second.v2]).size).toBe(4);

    const r = run(["history", "--stage", "prd", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const [two, one] = JSON.parse(r.stdout).deploys;
    expect(one.images.web.digest).toBe(first.web);
    expect(one.images.v2.digest).toBe(first.v2);
    expect(two.images.web.digest).toBe(second.web);
    expect(two.images.v2.digest).toBe(second.v2);
    // The first container's image stays where records of one container keep it.
    expect(two.image.digest).toBe(second.web);
    const text = run(["history", "--stage", "prd"]).stdout.split("\n")[0];
    expect(text).toContain(`web ${second.web.slice(0, 19)}, v2 ${second.v2.slice(0, 19)}`);
  }, 360_000);

  it("rollback puts each container back to its own recorded digest, and records both", async () => {
    const r = run(["rollback", "--stage", "prd", "--yes"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`images web ${first.web}, v2 ${first.v2}`);
    expect(digestOf(await functionImage("prd-hist2-pocket-web-wsgi"))).toBe(first.web);
    expect(digestOf(await functionImage("prd-hist2-pocket-v2-wsgi"))).toBe(first.v2);

    const [three] = JSON.parse(run(["history", "--stage", "prd", "--json"]).stdout).deploys;
    expect(three).toMatchObject({ number: 3, command: "rollback", rollbackOf: 1 });
    expect(three.images.web.digest).toBe(first.web);
    expect(three.images.v2.digest).toBe(first.v2);
  }, 240_000);
});

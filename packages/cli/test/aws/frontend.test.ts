import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CloudFrontClient, ListInvalidationsCommand } from "@aws-sdk/client-cloudfront";
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { stageResources } from "../../src/resources/index.js";
import { pocket, project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { loadInline } from "../templates/context.js";
import { freshMoto, frontEndStage, objectKeys, REGION, s3 } from "./harness.js";

/*
 * Front-end upload (routes with build / build_dir). moto's CloudFormation does not create
 * CloudFront distributions, so the distribution is made through moto's CloudFront API and a
 * stand-in stack carries its id as the `DistributionId` output, which is all the upload reads.
 */
import { standInDistribution } from "./stand-in-distribution.js";

const BUCKET = "dev-fe-pocket";
const TOML = frontEndStage("fe", [
  '{ is_default = true, is_spa = true, build = "node build.mjs", build_dir = "dist" }',
  '{ path_pattern = "/static/*", is_versioned = true }',
]);
// A stand-in front-end build: writes dist/ from the VERSION file.
const BUILD = `
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
const v = readFileSync("VERSION", "utf8").trim();
if (v === "broken") { console.error("src/main.ts(3,7): error TS2322: nope"); process.exit(2); }
rmSync("dist", { recursive: true, force: true });
mkdirSync("dist/assets", { recursive: true });
writeFileSync("dist/index.html", "<script src=/assets/app-4f9a2c1b.js></script>" + v);
writeFileSync("dist/assets/app-4f9a2c1b.js", "console.log(1)");
writeFileSync("dist/robots.txt", "User-agent: *");
`;

let dir: string;
let distributionId: string;
const env = () => motoEnv(REGION);
const keys = () => objectKeys(BUCKET);
const invalidations = async () =>
  (
    await new CloudFrontClient({ region: "us-east-1" }).send(
      new ListInvalidationsCommand({ DistributionId: distributionId }),
    )
  ).InvalidationList?.Quantity ?? 0;
const upload = (...args: string[]) =>
  pocket(["resource", "cloudfront", "upload", "--stage", "dev", ...args], { cwd: dir, env: env() });

beforeAll(async () => {
  await freshMoto();
  dir = project(TOML, "fe");
  writeFileSync(join(dir, "build.mjs"), BUILD);
  writeFileSync(join(dir, "VERSION"), "v1");
  await s3().send(
    new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  // Another route's file and a stale one from an earlier build.
  await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: "spa/static/site.css", Body: "body{}" }));
  await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: "spa/old-build.js", Body: "old" }));
  distributionId = await standInDistribution(BUCKET, "dev-fe-main-cloudfront");
});

describe("front-end upload (build_dir)", () => {
  it("builds, uploads with types and cache headers, deletes stale files but not another route's, and invalidates", async () => {
    const r = upload();
    expect(r.status, r.stderr).toBe(0);
    expect(await keys()).toEqual([
      "spa/assets/app-4f9a2c1b.js",
      "spa/index.html",
      "spa/robots.txt",
      "spa/static/site.css",
    ]);
    const head = (Key: string) => s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key }));
    const html = await head("spa/index.html");
    expect(html.ContentType).toBe("text/html; charset=utf-8");
    expect(html.CacheControl).toBe("no-cache");
    expect((await head("spa/assets/app-4f9a2c1b.js")).CacheControl).toBe(
      "public, max-age=31536000, immutable",
    );
    expect((await head("spa/robots.txt")).CacheControl).toBe("public, max-age=3600");
    expect(await invalidations()).toBe(1);
    expect(r.stderr).toContain("invalidated /*");
  });

  it.each([
    ["changes nothing and invalidates nothing when the build output is the same", "v1", "no changes", 1],
    ["uploads only what changed", "v2", "uploaded 1, unchanged 2", 2],
  ])("%s", async (_, version, says, invalidated) => {
    writeFileSync(join(dir, "VERSION"), version);
    const r = upload();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(says);
    expect(await invalidations()).toBe(invalidated);
  });

  it("stops on a failed build with its output, uploading nothing; --skip-build uploads the folder as it is", async () => {
    writeFileSync(join(dir, "VERSION"), "broken");
    const failed = upload();
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain("exited with 2");
    expect(failed.stderr).toContain("error TS2322: nope");
    expect(await invalidations()).toBe(2);
    const skipped = upload("--skip-build");
    expect(skipped.status, skipped.stderr).toBe(0);
    expect(skipped.stderr).toContain("no changes");
  });

  it("is part of the stage: after the distribution in deploy order, in status, and in plan", async () => {
    const ids = stageResources(loadInline(TOML, "dev").context).map((r) => r.id);
    expect(ids.indexOf("frontend:main")).toBeGreaterThan(ids.indexOf("cloudfront:main"));
    const status = pocket(["status", "--stage", "dev", "--json"], { cwd: dir, env: env() });
    const resources = (JSON.parse(status.stdout) as { resources: { id: string; state: string }[] }).resources;
    expect(resources.find((x) => x.id === "frontend:main")?.state).toBe("in-sync");
    writeFileSync(join(dir, "dist/robots.txt"), "User-agent: none");
    const plan = pocket(["plan", "--stage", "dev"], { cwd: dir, env: env() });
    expect(plan.stdout).toContain(`~ s3://${BUCKET}/spa/robots.txt`);
    expect(plan.stdout).toContain("front end build (default)");
  });
});

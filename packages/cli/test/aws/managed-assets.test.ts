import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
} from "@aws-sdk/client-cloudformation";
import { CloudFrontClient, ListInvalidationsCommand } from "@aws-sdk/client-cloudfront";
import { GetBucketPolicyCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { pocketAsync } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { deniedCalls, stagePolicy } from "./allowed-calls.js";
import { freshFolder, frontEndStage, objectKeys, REGION, s3, stackExists } from "./harness.js";
import { mutating, record, recordedSteps } from "./recorder.js";

/*
 * managed_assets (issue 27 item 6, docs/decisions.md#e23-managed-assets) through `pocket deploy`,
 * `pocket resource cloudfront upload` and `pocket destroy` on moto, for two stages: prd with a
 * folder of its own, dev falling back to default/. test/moto/server.py stands in for the
 * CloudFront resources moto's CloudFormation does not make, and records the invalidations of
 * their distributions (its item 16). The front end's route lives in `pocket_managed/` itself, so
 * its upload's deletions would reach the managed files if nothing kept them out.
 */
const TOML = frontEndStage("ma", [
  '{ is_default = true, is_spa = true, origin_path = "/pocket_managed", build = "node build.mjs", build_dir = "dist" }',
  '{ path_pattern = "/static/*" }',
])
  .replace('stages = ["dev"]', 'stages = ["dev", "prd"]')
  .replace("[cloudfront.main]\n", '[cloudfront.main]\nmanaged_assets = "assets/managed"\n');
const BUILD = `
import { mkdirSync, writeFileSync } from "node:fs";
mkdirSync("dist", { recursive: true });
writeFileSync("dist/index.html", "<h1>app</h1>");
`;

let dir: string;
const env = () => motoEnv(REGION);
const run = (args: string[]) => pocketAsync(args, { cwd: dir, env: env() });
const { requests, step } = recordedSteps(run);
const asset = (rel: string, body?: string) => {
  const file = join(dir, "assets/managed", rel);
  if (body === undefined) return rmSync(file);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, body);
};
const bucket = (stage: string) => `${stage}-ma-pocket`;
const read = async (stage: string, key: string) =>
  (await s3().send(new GetObjectCommand({ Bucket: bucket(stage), Key: key }))).Body!.transformToString();
const cfn = () => new CloudFormationClient({ region: "us-east-1" });
const stackName = (stage: string) => `${stage}-ma-main-cloudfront`;
const behaviours = async (stage: string) => {
  const body = (await cfn().send(new GetTemplateCommand({ StackName: stackName(stage) }))).TemplateBody!;
  const config = JSON.parse(body).Resources.CloudFrontDistribution.Properties.DistributionConfig;
  return (config.CacheBehaviors as { PathPattern: string; TargetOriginId: string }[]).map(
    (b) => `${b.PathPattern} -> ${b.TargetOriginId}`,
  );
};
const invalidated = async (stage: string) => {
  const stack = (await cfn().send(new DescribeStacksCommand({ StackName: stackName(stage) }))).Stacks![0]!;
  const id = stack.Outputs!.find((o) => o.OutputKey === "DistributionId")!.OutputValue!;
  const list = await new CloudFrontClient({ region: "us-east-1" }).send(
    new ListInvalidationsCommand({ DistributionId: id }),
  );
  return list.InvalidationList?.Quantity ?? 0;
};

beforeAll(async () => {
  dir = await freshFolder(TOML, "ma");
  writeFileSync(join(dir, "build.mjs"), BUILD);
  asset("default/favicon.ico", "default icon");
  asset("default/robots.txt", "User-agent: *\nAllow: /\n");
  asset("prd/robots.txt", "User-agent: *\nDisallow: /\n");
});

describe("managed_assets on moto", () => {
  it("deploys two stages: prd from its own folder, dev from default/ (no merge)", async () => {
    for (const stage of ["dev", "prd"]) await step(`deploy ${stage}`, ["deploy", "--stage", stage, "--yes"]);
    expect(await objectKeys(bucket("dev"), "pocket_managed/main")).toEqual([
      "pocket_managed/main/favicon.ico",
      "pocket_managed/main/robots.txt",
    ]);
    expect(await read("dev", "pocket_managed/main/robots.txt")).toContain("Allow: /");
    expect(await objectKeys(bucket("prd"), "pocket_managed/main")).toEqual([
      "pocket_managed/main/robots.txt",
    ]);
    expect(await read("prd", "pocket_managed/main/robots.txt")).toContain("Disallow: /");
    expect(await behaviours("dev")).toEqual([
      "/favicon.ico -> dev-ma-pocket-pocket_managed",
      "/robots.txt -> dev-ma-pocket-pocket_managed",
      "/static/* -> dev-ma-pocket-static",
    ]);
    expect(await behaviours("prd")).toEqual([
      "/robots.txt -> prd-ma-pocket-pocket_managed",
      "/static/* -> prd-ma-pocket-static",
    ]);
    const policy = await s3().send(new GetBucketPolicyCommand({ Bucket: bucket("dev") }));
    expect(JSON.parse(policy.Policy!).Statement[0].Resource).toEqual([
      "arn:aws:s3:::dev-ma-pocket/*",
      "arn:aws:s3:::dev-ma-pocket/pocket_managed/main/*",
    ]);
  });

  it("a second deploy changes nothing", async () => {
    const before = await invalidated("dev");
    const again = await record(() => run(["deploy", "--stage", "dev", "--yes"]));
    expect(again.result.status, again.result.stderr).toBe(0);
    // The stage lock and the deploy record only (the state bucket).
    expect(mutating(again.operations)).toEqual(["PutObject", "DeleteObject"]);
    expect(await invalidated("dev")).toBe(before);
    const status = await run(["status", "--stage", "dev"]);
    expect(status.stdout + status.stderr).toMatch(/CloudFront dev-ma-main-cloudfront.*in sync/);
  });

  it("a changed folder updates the files and the behaviours, and invalidates the paths that changed", async () => {
    asset("default/favicon.ico");
    asset("default/ads.txt", "google.com, pub-0, DIRECT\n");
    asset("default/robots.txt", "User-agent: *\nAllow: /app\n");
    const plan = await run(["plan", "--stage", "dev"]);
    expect(plan.stdout).toContain("+ s3://dev-ma-pocket/pocket_managed/main/ads.txt");
    expect(plan.stdout).toContain("- s3://dev-ma-pocket/pocket_managed/main/favicon.ico");
    const before = await invalidated("dev");
    const r = await step("deploy changed", ["deploy", "--stage", "dev", "--yes"]);
    expect(r.stderr).toContain("invalidated /ads.txt /favicon.ico /robots.txt");
    expect(await objectKeys(bucket("dev"), "pocket_managed/main")).toEqual([
      "pocket_managed/main/ads.txt",
      "pocket_managed/main/robots.txt",
    ]);
    expect(await read("dev", "pocket_managed/main/robots.txt")).toContain("Allow: /app");
    expect(await behaviours("dev")).toEqual([
      "/ads.txt -> dev-ma-pocket-pocket_managed",
      "/robots.txt -> dev-ma-pocket-pocket_managed",
      "/static/* -> dev-ma-pocket-static",
    ]);
    expect(await invalidated("dev")).toBe(before + 1);
  });

  it("the front end's upload deletes its stale files, never the managed ones in its folder", async () => {
    await s3().send(
      new PutObjectCommand({ Bucket: bucket("dev"), Key: "pocket_managed/stale.js", Body: "old" }),
    );
    await step("upload", ["resource", "cloudfront", "upload", "--stage", "dev"]);
    expect(await objectKeys(bucket("dev"), "pocket_managed")).toEqual([
      "pocket_managed/index.html",
      "pocket_managed/main/ads.txt",
      "pocket_managed/main/robots.txt",
    ]);
  });

  it("destroy deletes the distribution and keeps the files with the bucket", async () => {
    const r = await step("destroy", ["destroy", "--stage", "dev", "--yes"]);
    expect(r.stderr).toContain("kept");
    expect(await stackExists(stackName("dev"), "us-east-1")).toBe(false);
    expect(await objectKeys(bucket("dev"), "pocket_managed/main")).toEqual([
      "pocket_managed/main/ads.txt",
      "pocket_managed/main/robots.txt",
    ]);
  });

  it("every call made was allowed by pocket permissions", () => {
    const dev = requests.filter((r) => !r.step.endsWith("prd"));
    expect(deniedCalls(stagePolicy(dir), dev)).toEqual([]);
  });
});

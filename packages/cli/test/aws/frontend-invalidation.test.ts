import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CloudFrontClient, ListInvalidationsCommand } from "@aws-sdk/client-cloudfront";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pocketAsync, project, spawnPocket } from "../cli/run.js";
import { type FaultProxy, type FaultRequest, startFaultProxy } from "../moto/fault-proxy.js";
import { motoEnv } from "../moto/moto.js";
import { freshMoto, frontEndStage, REGION } from "./harness.js";
import { standInDistribution } from "./stand-in-distribution.js";

/*
 * A front-end upload whose invalidation does not happen: CloudFront answers 500 on every retry,
 * or Ctrl-C comes while the call is on its way. The files are out, so the debt is recorded in the
 * state bucket; status says so, and the next run (with nothing left to upload) pays it.
 * CloudFront's calls go through a loopback proxy in front of moto (AWS_ENDPOINT_URL_CLOUDFRONT,
 * ../moto/fault-proxy.ts) that spoils only CreateInvalidation, and only while told to; everything
 * else is moto's.
 */
const BUCKET = "dev-inv-pocket";
const STATE = "dev-inv-pocket-state";
const RECORD = "invalidations/dev/main.json";
const TOML = frontEndStage("inv", ['{ is_default = true, is_spa = true, build_dir = "dist" }']);

let proxy: FaultProxy;
let dir: string;
let distributionId: string;

const env = () => ({ ...motoEnv(REGION), AWS_ENDPOINT_URL_CLOUDFRONT: proxy.url });
const isInvalidation = ({ method, path }: FaultRequest) =>
  method === "POST" && /\/distribution\/[^/]+\/invalidation$/.test(path);
const s3 = () => new S3Client({ region: REGION, forcePathStyle: true });
const invalidations = async () =>
  (
    await new CloudFrontClient({ region: "us-east-1" }).send(
      new ListInvalidationsCommand({ DistributionId: distributionId }),
    )
  ).InvalidationList?.Items?.map((i) => i.Id) ?? [];
const record = async () => {
  try {
    const out = await s3().send(new GetObjectCommand({ Bucket: STATE, Key: RECORD }));
    return JSON.parse(await out.Body!.transformToString()) as { paths: string[]; since: string };
  } catch (error) {
    if ((error as Error).name === "NoSuchKey") return undefined;
    throw error;
  }
};
const upload = () =>
  pocketAsync(["resource", "cloudfront", "upload", "--stage", "dev"], { cwd: dir, env: env() });
const frontendStatus = async () => {
  const r = await pocketAsync(["status", "--stage", "dev", "--json"], { cwd: dir, env: env() });
  const resources = (JSON.parse(r.stdout) as { resources: { id: string; state: string; detail?: string }[] })
    .resources;
  return resources.find((x) => x.id === "frontend:main");
};
const writeBuild = (version: string) => {
  writeFileSync(join(dir, "dist/index.html"), `<p>${version}</p>`);
};

beforeAll(async () => {
  await freshMoto();
  proxy = await startFaultProxy(motoEnv().AWS_ENDPOINT_URL!);

  dir = project(TOML, "inv");
  mkdirSync(join(dir, "dist"));
  writeBuild("v1");
  for (const Bucket of [BUCKET, STATE]) {
    await s3().send(
      new CreateBucketCommand({ Bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
  }
  distributionId = await standInDistribution(BUCKET, "dev-inv-main-cloudfront");
});

afterAll(async () => {
  await proxy.close();
});

describe("a front-end invalidation that did not happen", () => {
  it("is recorded when CreateInvalidation fails after the upload", async () => {
    proxy.rule = (req) => (isInvalidation(req) ? "server-error" : "pass");
    const r = await upload();
    proxy.rule = () => "pass";
    expect(r.status).toBe(1);
    expect(proxy.counts["server-error"]).toBeGreaterThan(1); // the SDK retried before giving up
    await s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key: "spa/index.html" }));
    expect(await invalidations()).toEqual([]);
    expect((await record())?.paths).toEqual(["/*"]);
  }, 60_000);

  it("makes status say not in sync, and plan name it, while the files are unchanged", async () => {
    const status = await frontendStatus();
    expect(status?.state).toBe("needs-update");
    expect(status?.detail).toMatch(/^invalidation of \/\* pending since .+: the next deploy finishes it$/);
    const plan = await pocketAsync(["plan", "--stage", "dev"], { cwd: dir, env: env() });
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toContain("~ invalidation of distribution main");
  });

  it("is finished by the next run though no file changed, and then cleared", async () => {
    const since = (await record())!.since;
    const r = await upload();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`finished the invalidation pending since ${since}`);
    expect(await invalidations()).toHaveLength(1);
    expect(await record()).toBeUndefined();
    expect((await frontendStatus())?.state).toBe("in-sync");
    const again = await upload();
    expect(again.stderr).toContain("no changes");
    expect(await invalidations()).toHaveLength(1);
  });

  it("is recorded when Ctrl-C comes between the upload and the invalidation, and finished next time", async () => {
    writeBuild("v2");
    // Never answered: the test interrupts the CLI while it waits.
    const reached = new Promise<void>((resolve) => {
      proxy.rule = (req) => {
        if (!isInvalidation(req)) return "pass";
        resolve();
        return "hang";
      };
    });
    const child = spawnPocket(["resource", "cloudfront", "upload", "--stage", "dev"], {
      cwd: dir,
      env: env(),
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    await reached;
    child.kill("SIGINT");
    const code = await exited;
    proxy.rule = () => "pass";
    expect(code, stderr).toBe(130);
    const body = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: "spa/index.html" }));
    expect(await body.Body!.transformToString()).toBe("<p>v2</p>");
    expect(await invalidations()).toHaveLength(1);
    expect(await record()).toBeDefined();
    expect((await frontendStatus())?.state).toBe("needs-update");

    const r = await upload();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("finished the invalidation pending since");
    expect(await invalidations()).toHaveLength(2);
    expect(await record()).toBeUndefined();
  }, 60_000);
});

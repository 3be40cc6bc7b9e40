import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { freshMoto, frontEndStage, objectKeys, REGION, s3 } from "./harness.js";
import { operationOf, record } from "./recorder.js";
/*
 * Issue 11 item 20: the order in which a front end reaches the bucket. As in frontend.test.ts,
 * moto's CloudFormation makes no distributions, so one is made through moto's CloudFront API
 * and a stand-in stack carries its id.
 */
import { standInDistribution } from "./stand-in-distribution.js";

const BUCKET = "dev-order-pocket";
const TOML = frontEndStage("order", ['{ is_default = true, is_spa = true, build_dir = "dist" }']);

let dir: string;

function writeBuild(version: string): void {
  for (let i = 0; i < 24; i++) {
    mkdirSync(join(dir, "dist/assets"), { recursive: true });
    writeFileSync(join(dir, `dist/assets/chunk-${String(i).padStart(2, "0")}a1b2c3d4.js`), `${version}${i}`);
  }
  mkdirSync(join(dir, "dist/docs"), { recursive: true });
  writeFileSync(join(dir, "dist/index.html"), `<script src=/assets/chunk-00a1b2c3d4.js></script>${version}`);
  writeFileSync(join(dir, "dist/docs/about.htm"), `about ${version}`);
  writeFileSync(join(dir, "dist/robots.txt"), `User-agent: * ${version}`);
  writeFileSync(join(dir, "dist/zz-logo.svg"), `<svg>${version}</svg>`);
}

beforeAll(async () => {
  await freshMoto();
  dir = project(TOML, "order");
  writeBuild("v1");
  await s3().send(
    new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: "spa/old-build.js", Body: "old" }));
  await standInDistribution(BUCKET, "dev-order-main-cloudfront");
});

/** The bucket writes of one upload, in the order S3 received them. */
async function writes(): Promise<string[]> {
  const { result, requests } = await record(() =>
    pocket(["resource", "cloudfront", "upload", "--stage", "dev"], { cwd: dir, env: motoEnv(REGION) }),
  );
  expect(result.status, result.stderr).toBe(0);
  return requests.flatMap((r) => {
    const op = operationOf(r);
    // Only the front-end bucket: the stage lock is written to the state bucket by the same command.
    if (!new URL(r.url).pathname.startsWith(`/${BUCKET}/`)) return [];
    if (op === "PutObject")
      return [`put ${decodeURIComponent(new URL(r.url).pathname).replace(`/${BUCKET}/`, "")}`];
    // DeleteObjects is `POST /bucket/?delete` (the SDK sends no x-id for it).
    if (r.method === "POST" && new URL(r.url).searchParams.has("delete")) return ["delete"];
    return [];
  });
}

function expectPagesLast(order: string[]): void {
  const pages = order.flatMap((w, i) => (/\.html?$/.test(w) ? [i] : []));
  const others = order.flatMap((w, i) => (w.startsWith("put ") && !/\.html?$/.test(w) ? [i] : []));
  expect(pages.length).toBeGreaterThan(0);
  expect(Math.min(...pages), order.join("\n")).toBeGreaterThan(Math.max(...others));
}

describe("front-end upload order", () => {
  it("uploads every other file before any HTML page, and deletes stale files last", async () => {
    const order = await writes();
    expect(order.filter((w) => w.startsWith("put "))).toHaveLength(28);
    expectPagesLast(order);
    expect(order.at(-1)).toBe("delete");
    expect(await objectKeys(BUCKET)).not.toContain("spa/old-build.js");
  });

  it("keeps that order when a new build changes pages and assets together", async () => {
    writeBuild("v2");
    expectPagesLast(await writes());
  });
});

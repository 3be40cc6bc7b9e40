import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  PutBucketVersioningCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket, project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { iamRequest } from "../ops-iam-evaluator.js";
import { freshMoto, general, REGION } from "./harness.js";
import { record } from "./recorder.js";

const BASE = `
${general("bkt")}`;
const FULL = `${BASE}
[s3]
versioning = true
cors = [{ allowed_origins = ["https://app.example.com"], allowed_methods = ["GET", "PUT"], allowed_headers = ["*"], max_age = 3000 }]
lifecycle_rules = [
  { id = "tmp", prefix = "tmp/", expiration_days = 7 },
  { id = "old-versions", prefix = "", noncurrent_version_expiration_days = 30 },
]
`;
const env = () => motoEnv(REGION);
const s3 = () => new S3Client({ region: REGION, forcePathStyle: true });
const BUCKET = "dev-bkt-pocket";
let dir: string;
const write = (toml: string) => writeFileSync(join(dir, "pocket.toml"), toml);
const deploy = async () => {
  const r = await record(() =>
    pocket(["resource", "s3", "deploy", "--stage", "dev"], { cwd: dir, env: env() }),
  );
  // S3's REST calls named as IAM names them (PUT /bucket?versioning is PutBucketVersioning).
  return {
    ...r,
    operations: r.requests.map((q) => iamRequest(q, "123456789012").action.replace(/^s3:/, "")),
  };
};
/** Mutating calls other than the stage lock's. */
const changes = (ops: string[]) =>
  ops.filter((o) => /^(Put|Delete|Create)/.test(o) && o !== "PutObject" && o !== "DeleteObject");

beforeAll(async () => {
  await freshMoto();
  dir = project(FULL, "bkt");
});

describe("[s3] versioning, cors and lifecycle rules", () => {
  it("are set when the bucket is created", async () => {
    const { result: r } = await deploy();
    expect(r.status, r.stderr).toBe(0);
    expect((await s3().send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe("Enabled");
    const cors = (await s3().send(new GetBucketCorsCommand({ Bucket: BUCKET }))).CORSRules!;
    expect(cors).toEqual([
      expect.objectContaining({
        AllowedOrigins: ["https://app.example.com"],
        AllowedMethods: ["GET", "PUT"],
        AllowedHeaders: ["*"],
        MaxAgeSeconds: 3000,
      }),
    ]);
    const rules = (await s3().send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET }))).Rules!;
    expect(
      rules.map((x) => [
        x.ID,
        x.Filter?.Prefix,
        x.Expiration?.Days,
        x.NoncurrentVersionExpiration?.NoncurrentDays,
      ]),
    ).toEqual([
      ["tmp", "tmp/", 7, undefined],
      ["old-versions", "", undefined, 30],
    ]);
  });

  it("make no changing call when nothing changed", async () => {
    const { result: r, operations } = await deploy();
    expect(r.status, r.stderr).toBe(0);
    expect(changes(operations)).toEqual([]);
    const status = pocket(["resource", "s3", "status", "--stage", "dev"], { cwd: dir, env: env() });
    expect(status.stdout + status.stderr).toMatch(/in sync|in-sync/);
  });

  it("show drift in status and put back only what drifted", async () => {
    await s3().send(
      new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: "Suspended" } }),
    );
    const status = pocket(["resource", "s3", "status", "--stage", "dev"], { cwd: dir, env: env() });
    expect(status.stdout + status.stderr).toContain("versioning suspended → enabled");
    const plan = pocket(["plan", "--stage", "dev"], { cwd: dir, env: env() });
    expect(plan.stdout + plan.stderr).toContain("versioning suspended → enabled");
    const { result: r, operations } = await deploy();
    expect(r.status, r.stderr).toBe(0);
    expect(changes(operations)).toEqual(["PutBucketVersioning"]);
    expect((await s3().send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe("Enabled");
  });

  it("follow the configuration when it changes: removed rules go, versioning is suspended", async () => {
    write(`${BASE}\n[s3]\nlifecycle_rules = [{ id = "tmp", prefix = "tmp/", expiration_days = 1 }]\n`);
    const { result: r, operations } = await deploy();
    expect(r.status, r.stderr).toBe(0);
    expect(changes(operations).sort()).toEqual([
      "PutBucketCORS",
      "PutBucketVersioning",
      "PutLifecycleConfiguration",
    ]);
    expect((await s3().send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe("Suspended");
    await expect(s3().send(new GetBucketCorsCommand({ Bucket: BUCKET }))).rejects.toThrow();
    const rules = (await s3().send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET }))).Rules!;
    expect(rules.map((x) => [x.ID, x.Expiration?.Days])).toEqual([["tmp", 1]]);
    const again = await deploy();
    expect(changes(again.operations)).toEqual([]);
  });
});

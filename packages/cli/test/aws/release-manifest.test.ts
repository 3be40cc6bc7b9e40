import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CopyObjectCommand, CreateBucketCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { awsClients } from "../../src/aws/clients.js";
import { applySync, md5OfFile, planSync } from "../../src/buckets/sync.js";
import { freshMoto, REGION, s3 } from "./harness.js";

/*
 * A front-end route's releases (docs/decisions.md#e17-atomic-front-end-releases) are compared
 * with a new release's folder each time; their cached manifest of file stamps is kept once for
 * the route (`manifestPrefix`), so a file nothing touched is not read again just because the
 * release it is compared with has a new id. `hash` counts the files a plan read.
 */
const BUCKET = "dev-relcache-pocket";
let dir: string;
const read: string[] = [];
const hash = async (file: string) => {
  read.push(file.slice(dir.length + 1));
  return md5OfFile(file);
};
const plan = (release: string, manifestPrefix?: string) => {
  read.length = 0;
  return planSync(
    awsClients(REGION),
    dir,
    { bucket: BUCKET, prefix: `site/_releases/${release}` },
    { delete: true, hash, ...(manifestPrefix ? { manifestPrefix } : {}) },
  );
};
/** What a release does with unchanged files: a copy inside S3 under the new release's folder. */
const copyRelease = async (from: string, to: string) => {
  for (const name of ["index.html", "robots.txt"])
    await s3().send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: `site/_releases/${to}/${name}`,
        CopySource: `${BUCKET}/site/_releases/${from}/${name}`,
      }),
    );
};

beforeAll(async () => {
  await freshMoto({ cli: false });
  process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), "pocket-release-cache-"));
  await s3().send(
    new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  dir = mkdtempSync(join(tmpdir(), "pocket-release-"));
  writeFileSync(join(dir, "index.html"), "<h1>v1</h1>");
  writeFileSync(join(dir, "robots.txt"), "User-agent: *");
});

describe("the upload manifest of a route's releases", () => {
  it("is shared by its releases: comparing with the next release reads no unchanged file", async () => {
    const first = await plan("A", "site");
    expect(first.map((a) => a.kind)).toEqual(["upload", "upload"]);
    await applySync(awsClients(REGION), { bucket: BUCKET, prefix: "site/_releases/A" }, first, () => {});
    await copyRelease("A", "B");
    const second = await plan("B", "site");
    expect(second.map((a) => a.kind)).toEqual(["keep", "keep"]);
    expect(read).toEqual([]);
  });

  it("is kept per prefix without it: each new release would read every file again", async () => {
    await copyRelease("B", "C");
    await plan("C");
    expect(read.sort()).toEqual(["index.html", "robots.txt"]);
  });
});

import { mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { awsClients } from "../../src/aws/clients.js";
import { applySync, md5OfFile, planSync, type SyncAction } from "../../src/buckets/sync.js";
import { freshMoto } from "./harness.js";

/*
 * The front-end upload's change detection (buckets/sync.ts, buckets/upload-manifest.ts) against
 * moto's S3: content hashes decide, but a file whose stamp is unchanged since it was last hashed
 * is not read again. `hash` is the reader planSync uses; counting its calls shows which files a
 * plan read.
 */
const REGION = "ap-northeast-1";
const BUCKET = "dev-changes-pocket";
const target = { bucket: BUCKET, prefix: "site" };
let dir: string;

const read: string[] = [];
const countingHash = async (file: string) => {
  read.push(file.slice(dir.length + 1));
  return md5OfFile(file);
};
const plan = async () => {
  read.length = 0;
  return planSync(awsClients(REGION), dir, target, { delete: true, hash: countingHash });
};
const sync = async () => {
  const actions = await plan();
  await applySync(awsClients(REGION), target, actions, () => {});
  return actions;
};
const uploaded = (actions: SyncAction[]) =>
  actions.filter((a) => a.kind === "upload").map((a) => a.key.replace("site/", ""));
const remoteText = async (key: string) =>
  (
    await new S3Client({ region: REGION, forcePathStyle: true }).send(
      new GetObjectCommand({ Bucket: BUCKET, Key: `site/${key}` }),
    )
  ).Body?.transformToString();

beforeAll(async () => {
  await freshMoto({ cli: false });
  process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), "pocket-upload-cache-"));
  await new S3Client({ region: REGION, forcePathStyle: true }).send(
    new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  dir = mkdtempSync(join(tmpdir(), "pocket-upload-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), "<h1>v1</h1>");
  writeFileSync(join(dir, "assets/app.js"), "console.log(1)");
  writeFileSync(join(dir, "robots.txt"), "User-agent: *");
});

describe("front-end upload change detection", () => {
  it("uploads every file the first time, and reads none of them when nothing changed since", async () => {
    expect(uploaded(await sync())).toEqual(["assets/app.js", "index.html", "robots.txt"]);
    const again = await sync();
    expect(uploaded(again)).toEqual([]);
    expect(again.every((a) => a.kind === "keep")).toBe(true);
    expect(read).toEqual([]);
  });

  it("reads a rebuilt file with the same bytes, and does not upload it", async () => {
    writeFileSync(join(dir, "index.html"), "<h1>v1</h1>");
    expect(uploaded(await sync())).toEqual([]);
    expect(read).toEqual(["index.html"]);
    // Its new stamp is recorded: the next plan reads nothing.
    await plan();
    expect(read).toEqual([]);
  });

  it("uploads a changed file of the same size, even with its old mtime put back", async () => {
    const file = join(dir, "assets/app.js");
    const before = statSync(file);
    writeFileSync(file, "console.log(2)");
    utimesSync(file, before.atime, before.mtime);
    expect(uploaded(await sync())).toEqual(["assets/app.js"]);
    expect(read).toEqual(["assets/app.js"]);
    expect(await remoteText("assets/app.js")).toBe("console.log(2)");
  });

  it("uploads a file whose size changed without reading it to compare", async () => {
    writeFileSync(join(dir, "robots.txt"), "User-agent: *\nDisallow: /admin");
    expect(uploaded(await sync())).toEqual(["robots.txt"]);
    expect(read).toEqual([]);
    expect(await remoteText("robots.txt")).toBe(readFileSync(join(dir, "robots.txt"), "utf8"));
  });

  it("without the cached manifest, reads every file again and still uploads nothing unchanged", async () => {
    const actions = await planSync(awsClients(REGION), dir, target, {
      delete: true,
      manifest: false,
      hash: countingHash,
    });
    read.length = 0;
    const again = await planSync(awsClients(REGION), dir, target, {
      delete: true,
      manifest: false,
      hash: countingHash,
    });
    expect(uploaded(actions)).toEqual([]);
    expect(read.sort()).toEqual(["assets/app.js", "index.html", "robots.txt"]);
    expect(uploaded(again)).toEqual([]);
  });
});

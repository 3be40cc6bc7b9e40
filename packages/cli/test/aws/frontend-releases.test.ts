import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pocketAsync, project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { freshMoto, frontEndStage, objectKeys, REGION, s3 } from "./harness.js";
import { type KvsServer, startKvsServer } from "./kvs-server.js";

/*
 * Atomic front-end releases (issue 26, docs/decisions.md#e17-atomic-front-end-releases) through
 * `pocket deploy`, `pocket history` and `pocket rollback` on moto. test/moto/server.py stands in
 * for the CloudFront resources moto's CloudFormation does not make (the KeyValueStore among
 * them), and kvs-server.ts for the KeyValueStore's data plane, which moto does not have.
 */
const BUCKET = "dev-rel-pocket";
const TOML = frontEndStage(
  "rel",
  [
    '{ is_default = true, is_spa = true, build = "node build.mjs", build_dir = "dist" }',
    '{ path_pattern = "/static/*", is_versioned = true }',
  ],
  { atomicReleases: true },
).replace("[cloudfront.main]\n", "[cloudfront.main]\nkept_releases = 2\n");
// A stand-in front-end build: index.html and a script named by the VERSION file's content.
const BUILD = `
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
const v = readFileSync("VERSION", "utf8").trim();
rmSync("dist", { recursive: true, force: true });
mkdirSync("dist/assets", { recursive: true });
writeFileSync("dist/index.html", "<script src=/assets/app-" + v + "0000000.js></script>");
writeFileSync("dist/assets/app-" + v + "0000000.js", "console.log('" + v + "')");
writeFileSync("dist/robots.txt", "User-agent: *");
`;

let kvs: KvsServer;
let dir: string;
const env = () => ({
  ...motoEnv(REGION),
  AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE: `http://localhost:${kvs.port}`,
});
const run = (...args: string[]) => pocketAsync([...args, "--stage", "dev"], { cwd: dir, env: env() });
const keys = (prefix: string) => objectKeys(BUCKET, prefix);
const served = () => [...kvs.data.entries()].filter(([k]) => k.endsWith("|release")).map(([, v]) => v);
/** The releases a viewer pinned by its cookie may still get (docs/decisions.md E17). */
const keptList = () => [...kvs.data.entries()].filter(([k]) => k.endsWith("|releases")).map(([, v]) => v);
const history = async () =>
  JSON.parse((await run("history", "--json")).stdout).deploys as {
    number: number;
    command: string;
    rollbackOf?: number;
    frontends: Record<string, string>;
  }[];
const deployVersion = async (version: string) => {
  writeFileSync(join(dir, "VERSION"), version);
  return run("deploy");
};
const releases: string[] = [];

beforeAll(async () => {
  await freshMoto();
  kvs = await startKvsServer();
  dir = project(TOML, "rel");
  writeFileSync(join(dir, "build.mjs"), BUILD);
}, 120_000);
afterAll(async () => {
  await kvs?.close();
});

describe("atomic front-end releases on moto", () => {
  it("deploys each front end as its own release and switches viewers after every file is up", async () => {
    const one = await deployVersion("a");
    expect(one.status, one.stderr).toBe(0);
    expect(served()).toHaveLength(1);
    releases.push(served()[0]!);
    const root = `spa/_releases/${releases[0]}/`;
    expect(await keys("spa/")).toEqual([
      `${root}assets/app-a0000000.js`,
      `${root}index.html`,
      `${root}robots.txt`,
    ]);
    const html = await s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${root}index.html` }));
    expect(html.CacheControl).toBe("no-cache");
    expect(html.ContentType).toBe("text/html; charset=utf-8");
    // Every object names its release: the viewer-response function pins a viewer with it.
    expect(html.Metadata).toEqual({ "pocket-release": releases[0] });
    expect(keptList()).toEqual([releases[0]]);

    // A user upload beside the front end, another route's file below its folder, a file an upload
    // before releases left in place; and an unchanged deploy: no new release, no record.
    const put = (Key: string, Body: string) => s3().send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
    await put("media/upload.txt", "kept");
    await put("spa/static/site.css", "body{}");
    await put("spa/left-in-place.js", "old");
    const same = await deployVersion("a");
    expect(same.status, same.stderr).toBe(0);
    expect(same.stderr).not.toContain("in `pocket history`");
    expect(served()).toEqual(releases);

    const two = await deployVersion("b");
    expect(two.status, two.stderr).toBe(0);
    // robots.txt did not change: copied server-side, not uploaded.
    expect(two.stderr).toContain("uploaded 2, copied 1");
    releases.push(served()[0]!);
    expect(releases[1]).not.toBe(releases[0]);
    expect(await keys(`spa/_releases/${releases[0]}/`)).toHaveLength(3);
    const copied = await s3().send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: `spa/_releases/${releases[1]}/robots.txt` }),
    );
    expect(copied.CacheControl).toBe("public, max-age=3600");
    // A copy names its own release, with the type and cache headers an upload gives.
    expect(copied.Metadata).toEqual({ "pocket-release": releases[1] });
    expect(copied.ContentType).toBe("text/plain; charset=utf-8");
    expect(keptList()).toEqual([`${releases[1]} ${releases[0]}`]);
    // After the switch: the file left in place is gone, the other route's file stays.
    expect(await keys("spa/left-in-place.js")).toEqual([]);
    expect(await keys("spa/static/")).toEqual(["spa/static/site.css"]);
  }, 240_000);

  it("pocket history shows both deploys' release ids", async () => {
    const deploys = await history();
    expect(deploys.map((d) => [d.number, d.frontends.main])).toEqual([
      [2, releases[1]],
      [1, releases[0]],
    ]);
    const text = await run("history");
    expect(text.stdout).toContain(`front end main ${releases[1]}`);
  });

  it("pocket rollback switches back to the first deploy's release and leaves user uploads alone", async () => {
    const r = await run("rollback", "--yes");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`viewers switch from ${releases[1]} to ${releases[0]}`);
    expect(r.stderr).toContain("user uploads under storage prefixes");
    expect(served()).toEqual([releases[0]]);
    const upload = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: "media/upload.txt" }));
    expect(await upload.Body!.transformToString()).toBe("kept");
    // Both releases are still whole: a rollback uploads, copies and deletes nothing.
    for (const id of releases) expect(await keys(`spa/_releases/${id}/`)).toHaveLength(3);
    const [latest] = await history();
    expect(latest).toMatchObject({ number: 3, command: "rollback", rollbackOf: 1 });
    expect(latest!.frontends.main).toBe(releases[0]);
  }, 240_000);

  it("plan and status compare the built folder with the release viewers get", async () => {
    // Viewers get release a again (the rollback); the folder holds build b, and a new robots.txt:
    // index.html, robots.txt and b's script differ, a's script is not in the folder.
    writeFileSync(join(dir, "dist/robots.txt"), "User-agent: none");
    const plan = await run("plan");
    expect(plan.stdout).toContain(`front-end release of main`);
    expect(plan.stdout).toContain(`a new release replaces ${releases[0]}`);
    expect(plan.stdout).toMatch(/~ s3:\/\/dev-rel-pocket\/spa\/_releases\/[^/]+\/robots\.txt/);
    const status = JSON.parse((await run("status", "--json")).stdout) as {
      resources: { id: string; state: string; detail?: string }[];
    };
    expect(status.resources.find((r) => r.id === "frontend:main")).toMatchObject({
      state: "needs-update",
      detail: "4 file(s) differ",
    });
  });

  it("keeps kept_releases releases, prunes older ones, and refuses a rollback to a pruned one", async () => {
    for (const v of ["c", "d"]) {
      const r = await deployVersion(v);
      expect(r.status, r.stderr).toBe(0);
    }
    const ids = (await keys("spa/_releases/")).map((k) => k.split("/")[2]);
    const left = [...new Set(ids)];
    expect(left).toHaveLength(2);
    expect(left).toContain(served()[0]);
    expect(left).not.toContain(releases[0]);
    // Pinned viewers may get only what is still in the bucket, newest first.
    expect(keptList()).toEqual([[...left].sort().reverse().join(" ")]);
    expect(await keys("media/")).toEqual(["media/upload.txt"]);

    const before = served();
    const refused = await run("rollback", "--to", "1", "--yes");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      `release ${releases[0]} of distribution main (deploy #1) is no longer in`,
    );
    expect(served()).toEqual(before);
  }, 300_000);
});

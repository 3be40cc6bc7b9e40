import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli } from "../cli/build.js";
import { pocket, project, repoRoot } from "../cli/run.js";
import { motoEnv, resetMoto, useMoto } from "../moto/moto.js";
import { record } from "./recorder.js";
import { standInDistribution } from "./stand-in-distribution.js";

/*
 * The stage lock, exercised with real CLI processes against moto. A front-end upload (which takes
 * the lock like a deploy) is held in the middle by its build, which waits for a file the test
 * creates: that gives a change that is "running" for as long as the test needs, without timing
 * guesses. moto's CloudFormation does not create distributions, so the distribution is made
 * through moto's CloudFront API and a stand-in stack carries its id (as in frontend.test.ts).
 */
const REGION = "ap-northeast-1";
const STATE = "dev-locky-pocket-state";
const LOCK = "locks/dev.json";
const TOML = `
[general]
region = "${REGION}"
project_name = "locky"
stages = ["dev"]

[s3]

[cloudfront.main]
routes = [{ is_default = true, is_spa = true, build = "node build.mjs", build_dir = "dist" }]
`;
// Writes "started", then waits (at most 60 s) for "release" before producing dist/.
const BUILD = `
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
writeFileSync("started", String(process.pid));
const t0 = Date.now();
while (!existsSync("release") && Date.now() - t0 < 60000) await new Promise((r) => setTimeout(r, 50));
mkdirSync("dist", { recursive: true });
writeFileSync("dist/index.html", "<h1>hi</h1>");
`;

let dir: string;
const env = () => motoEnv(REGION);
const s3 = () => new S3Client({ region: REGION, forcePathStyle: true });
const running: ChildProcess[] = [];

async function readLock(): Promise<Record<string, unknown> | undefined> {
  try {
    const out = await s3().send(new GetObjectCommand({ Bucket: STATE, Key: LOCK }));
    return JSON.parse(await out.Body!.transformToString()) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a front-end upload and waits until it holds the lock and sits in the build. */
async function heldDeploy(): Promise<{
  child: ChildProcess;
  done: Promise<{ status: number | null; stderr: string }>;
}> {
  for (const f of ["started", "release"]) spawnSync("rm", ["-f", join(dir, f)]);
  const child = spawn(
    process.execPath,
    [join(repoRoot, "packages/cli/bin/pocket.cjs"), "resource", "cloudfront", "upload", "--stage", "dev"],
    {
      cwd: dir,
      env: { ...process.env, ...env(), NO_COLOR: "1", POCKET_STAGE: "" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  running.push(child);
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  child.stdout!.resume();
  const done = new Promise<{ status: number | null; stderr: string }>((resolve) =>
    child.on("close", (status) => resolve({ status, stderr })),
  );
  await until("the deploy to reach its front-end build", () => existsSync(join(dir, "started")));
  expect((await readLock())?.pid).toBe(child.pid);
  return { child, done };
}

beforeAll(async () => {
  buildCli();
  await resetMoto();
  useMoto();
  dir = project(TOML, "locky");
  writeFileSync(join(dir, "build.mjs"), BUILD);
  for (const group of ["state", "s3"]) {
    const r = pocket(["resource", group, "deploy", "--stage", "dev"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
  }
  await standInDistribution("dev-locky-pocket", "dev-locky-main-cloudfront");
}, 120_000);

afterAll(() => {
  if (dir) writeFileSync(join(dir, "release"), "");
  for (const c of running) if (c.exitCode === null) c.kill("SIGKILL");
});

describe("the stage lock", () => {
  it("refuses a deploy, a destroy and a resource deploy while another change runs, naming the holder", async () => {
    const { child, done } = await heldDeploy();
    const holder = "another resource cloudfront upload of stage dev is running:";
    const second = pocket(["deploy", "--stage", "dev"], { cwd: dir, env: env() });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(holder);
    expect(second.stderr).toContain(`(pid ${child.pid}, pocket resource cloudfront upload)`);
    const destroy = pocket(["destroy", "--stage", "dev", "--yes"], { cwd: dir, env: env() });
    expect(destroy.status).toBe(1);
    expect(destroy.stderr).toContain(holder);
    const resource = pocket(["resource", "s3", "deploy", "--stage", "dev"], { cwd: dir, env: env() });
    expect(resource.status).toBe(1);
    expect(resource.stderr).toContain(holder);
    writeFileSync(join(dir, "release"), "");
    const first = await done;
    expect(first.status, first.stderr).toBe(0);
    expect(await readLock()).toBeUndefined();
  }, 90_000);

  it("on Ctrl-C releases the lock, names what was still running, and exits 130", async () => {
    const { child, done } = await heldDeploy();
    child.kill("SIGINT");
    const r = await done;
    expect(r.status).toBe(130);
    expect(r.stderr).toContain("Interrupted: pocket is no longer waiting.");
    expect(r.stderr).toContain("front end of main");
    expect(r.stderr).toContain("Released the stage lock.");
    expect(await readLock()).toBeUndefined();
    writeFileSync(join(dir, "release"), "");
  }, 90_000);

  it("never deletes a lock that someone else took in the meantime", async () => {
    const { done } = await heldDeploy();
    // Someone ran --force-unlock and took the lock while our deploy was still running.
    const theirs = {
      user: "ci",
      host: "runner-2",
      pid: 4242,
      startedAt: new Date().toISOString(),
      token: "theirs",
    };
    await s3().send(new PutObjectCommand({ Bucket: STATE, Key: LOCK, Body: JSON.stringify(theirs) }));
    writeFileSync(join(dir, "release"), "");
    const r = await done;
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("the stage lock was not released: the lock is now held by ci@runner-2");
    expect((await readLock())?.token).toBe("theirs");
    const forced = pocket(["resource", "s3", "deploy", "--stage", "dev", "--force-unlock"], {
      cwd: dir,
      env: env(),
    });
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stderr).toContain("cleared the lock held by ci@runner-2");
    expect(await readLock()).toBeUndefined();
  }, 90_000);

  it("clears a lock left by a process of this machine that is no longer alive, with a notice", async () => {
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    const stale = {
      user: "me",
      host: hostname(),
      pid: Number(gone.stdout),
      startedAt: new Date().toISOString(),
      command: "deploy",
      token: "old",
    };
    await s3().send(new PutObjectCommand({ Bucket: STATE, Key: LOCK, Body: JSON.stringify(stale) }));
    const r = pocket(["resource", "s3", "deploy", "--stage", "dev"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`cleared a stale lock: me@${hostname()} (pid ${stale.pid}`);
    expect(await readLock()).toBeUndefined();
  }, 90_000);

  it("names the expected bucket owner on every S3 call that reads or writes a bucket", async () => {
    writeFileSync(join(dir, "release"), "");
    const { result, requests } = await record(() =>
      pocket(["deploy", "--stage", "dev"], { cwd: dir, env: env() }),
    );
    expect(result.status, result.stderr).toBe(0);
    const bucketCalls = requests.filter((r) => {
      const url = new URL(r.url);
      return (
        /(^|\.)s3[.-]|localhost|127\.0\.0\.1/.test(url.host) &&
        /^\/[a-z0-9.-]+/.test(url.pathname) &&
        !r.url.includes("/moto-api/")
      );
    });
    const s3Calls = bucketCalls.filter((r) =>
      /^\/dev-locky-pocket(-state)?(\/|$|\?)/.test(new URL(r.url).pathname),
    );
    expect(s3Calls.length).toBeGreaterThan(3);
    for (const r of s3Calls) {
      expect(
        r.headers["x-amz-expected-bucket-owner"] ?? r.headers["X-Amz-Expected-Bucket-Owner"],
        `${r.method} ${r.url}`,
      ).toBe("123456789012");
    }
  }, 90_000);
});

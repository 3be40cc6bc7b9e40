import { type ChildProcess, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pocket, pocketAsync, project, spawnPocket } from "../cli/run.js";
import { type FaultProxy, startFaultProxy } from "../moto/fault-proxy.js";
import { motoEnv } from "../moto/moto.js";
import { freshMoto, frontEndStage, REGION, until } from "./harness.js";
import { record } from "./recorder.js";
import { standInDistribution } from "./stand-in-distribution.js";

/*
 * The stage lock, exercised with real CLI processes against moto. A front-end upload (which takes
 * the lock like a deploy) is held in the middle by its build, which waits for a file the test
 * creates: that gives a change that is "running" for as long as the test needs, without timing
 * guesses. moto's CloudFormation does not create distributions, so the distribution is made
 * through moto's CloudFront API and a stand-in stack carries its id (as in frontend.test.ts).
 */
const STATE = "dev-locky-pocket-state";
const LOCK = "locks/dev.json";
const TOML = frontEndStage("locky", [
  '{ is_default = true, is_spa = true, build = "node build.mjs", build_dir = "dist" }',
]);
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

/** Writes the stage's lock object as another run would have. */
async function putLock(holder: object): Promise<void> {
  await s3().send(new PutObjectCommand({ Bucket: STATE, Key: LOCK, Body: JSON.stringify(holder) }));
}

/** The lock of another run's deploy that started, and last renewed its lease, just now. */
function deployJustStarted(holder: {
  user: string;
  host: string;
  pid: number;
  token: string;
  leaseSeconds: number;
}) {
  const now = new Date().toISOString();
  return { ...holder, startedAt: now, command: "deploy", renewedAt: now };
}

/** Lets a held upload's build finish; the run succeeds and leaves no lock behind. */
async function finishesCleanly(done: Promise<{ status: number | null; stderr: string }>): Promise<void> {
  writeFileSync(join(dir, "release"), "");
  const r = await done;
  expect(r.status, r.stderr).toBe(0);
  expect(await readLock()).toBeUndefined();
}

/** Starts a front-end upload and waits until it holds the lock and sits in the build. */
async function heldDeploy(extraEnv: Record<string, string> = {}): Promise<{
  child: ChildProcess;
  done: Promise<{ status: number | null; stderr: string }>;
}> {
  for (const f of ["started", "release"]) spawnSync("rm", ["-f", join(dir, f)]);
  const child = spawnPocket(["resource", "cloudfront", "upload", "--stage", "dev"], {
    cwd: dir,
    env: { ...env(), ...extraEnv },
  });
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
  await freshMoto();
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
    await finishesCleanly(done);
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
    await putLock(theirs);
    writeFileSync(join(dir, "release"), "");
    const r = await done;
    // Two runs may have changed the stage at once: the run says so and fails.
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      `error: this run lost the stage lock s3://${STATE}/${LOCK}: it is now held by ci@runner-2`,
    );
    expect((await readLock())?.token).toBe("theirs");
    const forced = pocket(["resource", "s3", "deploy", "--stage", "dev", "--force-unlock"], {
      cwd: dir,
      env: env(),
    });
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stderr).toContain("cleared the lock held by ci@runner-2");
    expect(await readLock()).toBeUndefined();
  }, 90_000);

  it("respects a live lease even when its holder looks like a dead process of this machine", async () => {
    // Same hostname, a pid that is not running here: a run in a container (another PID
    // namespace) looks like this. Its lease is live, so it is not stale.
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    const live = deployJustStarted({
      user: "me",
      host: hostname(),
      pid: Number(gone.stdout),
      token: "in-a-container",
      leaseSeconds: 60,
    });
    await putLock(live);
    const r = pocket(["resource", "s3", "deploy", "--stage", "dev"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`another deploy of stage dev is running: me@${hostname()} (pid ${live.pid}`);
    expect(r.stderr).toMatch(/its lease ends \(in \d+ s unless it is renewed\)/);
    expect((await readLock())?.token).toBe("in-a-container");
    await s3().send(new DeleteObjectCommand({ Bucket: STATE, Key: LOCK }));
  }, 90_000);

  it("takes over a lock whose lease ran out, from any machine, with a notice naming the holder", async () => {
    await putLock(
      deployJustStarted({ user: "ci", host: "runner-9", pid: 77, token: "killed-job", leaseSeconds: 1 }),
    );
    // The lease (1 s) plus the one second S3's whole-second clock can hide.
    await new Promise((r) => setTimeout(r, 3000));
    const r = pocket(["resource", "s3", "deploy", "--stage", "dev"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("notice: took over a stale lock: ci@runner-9 (pid 77, pocket deploy) since ");
    expect(r.stderr).toContain("did not renew it for 1 s");
    expect(await readLock()).toBeUndefined();
  }, 90_000);

  it("renews its lease while it works, so a long run keeps its lock", async () => {
    const lease = { POCKET_LOCK_LEASE_SECONDS: "2" };
    const { done } = await heldDeploy(lease);
    const first = await s3().send(new GetObjectCommand({ Bucket: STATE, Key: LOCK }));
    await new Promise((r) => setTimeout(r, 3500));
    const later = await s3().send(new GetObjectCommand({ Bucket: STATE, Key: LOCK }));
    expect(later.ETag).not.toBe(first.ETag);
    const holder = JSON.parse(await later.Body!.transformToString()) as Record<string, unknown>;
    expect(holder.leaseSeconds).toBe(2);
    // Past the first lease, and still held: a second run is refused.
    const second = pocket(["resource", "s3", "deploy", "--stage", "dev"], {
      cwd: dir,
      env: { ...env(), ...lease },
    });
    expect(second.status, second.stderr).toBe(1);
    expect(second.stderr).toContain("another resource cloudfront upload of stage dev is running:");
    await finishesCleanly(done);
  }, 90_000);

  it("prints a forged lock holder's fields as visible escapes, never as terminal controls", async () => {
    const forged = {
      user: "evil\u001b]0;pwned\u0007",
      host: "box\u001b[2J",
      pid: 1,
      startedAt: "now\u009b31m",
      command: "deploy\u001b[31m",
      token: "forged",
      leaseSeconds: 60,
    };
    await putLock(forged);
    const r = pocket(["resource", "s3", "deploy", "--stage", "dev"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(r.stderr).toContain(
      "evil\\x1b]0;pwned\\x07@box\\x1b[2J (pid 1, pocket deploy\\x1b[31m) since now\\x9b31m",
    );
    const forced = pocket(["resource", "s3", "deploy", "--stage", "dev", "--force-unlock"], {
      cwd: dir,
      env: env(),
    });
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stderr).not.toMatch(/\u001b/);
    expect(forced.stderr).toContain("cleared the lock held by evil\\x1b]0;pwned\\x07@box");
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

/*
 * The lock under network faults: the CLI talks to moto through a loopback proxy that drops the
 * answer to chosen requests, or stops answering altogether (../moto/fault-proxy.ts).
 */
describe("the stage lock under faults", () => {
  let proxy: FaultProxy;
  const viaProxy = () => ({ AWS_ENDPOINT_URL: proxy.url });
  const lockPath = `/${STATE}/${LOCK}`;
  const isLock = (path: string) => path.split("?")[0] === lockPath;

  beforeAll(async () => {
    proxy = await startFaultProxy(env().AWS_ENDPOINT_URL ?? "");
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it("takes the lock when the answer to its own PutObject is lost and the retry meets it", async () => {
    let cut = 0;
    proxy.rule = ({ method, path, headers }) =>
      method === "PUT" && isLock(path) && headers["if-none-match"] === "*" && cut++ === 0
        ? "cut-answer"
        : "pass";
    const r = await pocketAsync(["resource", "s3", "deploy", "--stage", "dev"], {
      cwd: dir,
      env: { ...env(), ...viaProxy() },
    });
    proxy.rule = () => "pass";
    expect(cut).toBeGreaterThan(1); // the cut write, then the SDK's retry of it
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("is running");
    expect(await readLock()).toBeUndefined();
  }, 90_000);

  it("keeps its lease when the answer to a renewal is lost and the retry meets its own write", async () => {
    const renewals: string[] = [];
    proxy.rule = ({ method, path, headers }) => {
      if (method !== "PUT" || !isLock(path) || !headers["if-match"]) return "pass";
      renewals.push(String(headers["if-match"]));
      return renewals.length === 1 ? "cut-answer" : "pass";
    };
    const { done } = await heldDeploy({ ...viaProxy(), POCKET_LOCK_LEASE_SECONDS: "2" });
    // The cut renewal, the SDK's retry of it (412: the ETag moved), then renewals from the new ETag.
    await until("three renewals after the cut one", () => renewals.length >= 5);
    expect(renewals[1]).toBe(renewals[0]);
    expect(renewals[2]).not.toBe(renewals[1]);
    writeFileSync(join(dir, "release"), "");
    const r = await done;
    proxy.rule = () => "pass";
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("lost");
    expect(await readLock()).toBeUndefined();
  }, 90_000);

  it("releases with one conditional DELETE on the ETag it wrote, without reading the lock first", async () => {
    const before = proxy.log.length;
    const r = await pocketAsync(["resource", "s3", "deploy", "--stage", "dev"], {
      cwd: dir,
      env: { ...env(), ...viaProxy() },
    });
    expect(r.status, r.stderr).toBe(0);
    const lockCalls = proxy.log.slice(before).filter((line) => isLock(line.split(" ")[1] ?? ""));
    expect(lockCalls.map((line) => line.split(" ")[0])).toEqual(["PUT", "DELETE"]);
    expect(await readLock()).toBeUndefined();
  }, 90_000);

  it("retries a release whose delete lost its answer, and the lock is gone after a successful run", async () => {
    let cut = 0;
    proxy.rule = ({ method, path }) =>
      method === "DELETE" && isLock(path) && cut++ === 0 ? "cut-answer" : "pass";
    const r = await pocketAsync(["resource", "s3", "deploy", "--stage", "dev"], {
      cwd: dir,
      env: { ...env(), ...viaProxy() },
    });
    proxy.rule = () => "pass";
    expect(cut).toBeGreaterThan(1); // the cut delete, then the SDK's retry of it (404: it landed)
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("warning");
    expect(await readLock()).toBeUndefined();
  }, 90_000);

  it("fails, naming the lock, when the release cannot get through before its deadline", async () => {
    // A 3 s lease caps the release's deadline at 3 s. The delete and the reads never arrive.
    proxy.rule = ({ method, path }) =>
      (method === "GET" || method === "DELETE") && isLock(path) ? "hang" : "pass";
    const t0 = Date.now();
    const r = await pocketAsync(["resource", "s3", "deploy", "--stage", "dev"], {
      cwd: dir,
      env: { ...env(), ...viaProxy(), POCKET_LOCK_LEASE_SECONDS: "3" },
    });
    proxy.rule = () => "pass";
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`error: Could not release the stage lock: `);
    expect(r.stderr).toContain(
      `The stage lock s3://${STATE}/${LOCK} may be left; it is stale for every run 3 s after`,
    );
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect((await readLock())?.command).toBe("resource s3 deploy");
    await s3().send(new DeleteObjectCommand({ Bucket: STATE, Key: LOCK }));
  }, 90_000);

  it("on Ctrl-C with AWS not answering, gives up the release after 10 s, naming the lock", async () => {
    const { child, done } = await heldDeploy(viaProxy());
    proxy.rule = () => "hang";
    const t0 = Date.now();
    child.kill("SIGINT");
    const r = await Promise.race([
      done,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("still running 20 s after Ctrl-C")), 20_000),
      ),
    ]);
    const waited = Date.now() - t0;
    proxy.rule = () => "pass";
    expect(r.status).toBe(130);
    expect(waited).toBeGreaterThan(9_000);
    expect(r.stderr).toContain("Interrupted: pocket is no longer waiting.");
    expect(r.stderr).toContain(`The stage lock s3://${STATE}/${LOCK} may be left`);
    await s3().send(new DeleteObjectCommand({ Bucket: STATE, Key: LOCK }));
  }, 90_000);

  it("exits at once on a second Ctrl-C or a SIGTERM while the release waits", async () => {
    for (const second of ["SIGINT", "SIGTERM"] as const) {
      const { child, done } = await heldDeploy(viaProxy());
      proxy.rule = () => "hang";
      child.kill("SIGINT");
      await until("the release to start", () => proxy.log.at(-1)?.endsWith("hang") === true);
      const t0 = Date.now();
      child.kill(second);
      const r = await Promise.race([
        done,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`still running after ${second}`)), 5_000),
        ),
      ]);
      proxy.rule = () => "pass";
      expect(Date.now() - t0).toBeLessThan(3_000);
      expect(r.status).toBe(130);
      expect(r.stderr).toContain(`Stopped waiting for the lock release (${second}).`);
      expect(r.stderr).toContain(`The stage lock s3://${STATE}/${LOCK} may be left`);
      await s3().send(new DeleteObjectCommand({ Bucket: STATE, Key: LOCK }));
    }
  }, 90_000);
});

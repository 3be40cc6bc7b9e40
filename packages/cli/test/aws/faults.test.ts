import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { project, spawnPocket } from "../cli/run.js";
import { FAULT_KINDS, type FaultKind, startFaultProxy } from "../moto/fault-proxy.js";
import { motoEnv } from "../moto/moto.js";
import { djangoContainer, freshProject, general, REGION, stageImage } from "./harness.js";

/*
 * Fault injection (issue 20, "Done when"): test/moto/fault-proxy.ts sits between the CLI and
 * moto and spoils a share of the answers (throttling, 5xx, an HTML page, an answer cut halfway)
 * at a fixed seed. Deploy, update and destroy of a stage with a bucket, secrets, a queue, an API
 * and a distribution run through it. Every run must end with exit 0 or 1 (never 70, never a
 * hang), leave no lock after an exit 0, and lose nothing; the same command rerun without faults
 * must converge (status all in sync, or the stage gone).
 */
const SEED = 20_2026;
const RATE = 0.15;
/** A command that has not finished by then hangs: the run fails. */
const HANG_MS = 150_000;
/**
 * The lock's lease (60 s outside tests): a faulted run that fails may leave its lock, which is
 * stale for everyone once the lease ends (docs/decisions.md P15); the clean rerun waits that out.
 */
const LEASE_SECONDS = 10;

const STAGE = (release: number) => `
${general("faults")}
[s3]

${djangoContainer({
  envs: { RELEASE: `${release}` },
  managed: ['SPA_TOKEN_SECRET = { type = "spa_token_secret" }'],
  management: ["sqs = { batch_size = 5 }"],
})}
[cloudfront.main]
origin_path = "/spa"
routes = [
  { is_default = true, is_spa = true },
  { path_pattern = "/api/*", type = "api", handler = "wsgi" },
]
`;

const APP_BUCKET = "dev-faults-pocket";
const STATE_BUCKET = "dev-faults-pocket-state";
const LOCK_KEY = "locks/dev.json";
const SECRET = "dev-faults-pocket";
/** The user's objects, put into the app bucket before the faulted runs. */
const USER_OBJECTS = { "media/upload-1.txt": "first upload", "media/nested/upload-2.json": '{"kept":true}' };

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The bundled CLI, without blocking this process (the proxy serves from it), killed on a hang. */
function pocketRun(args: string[], cwd: string, endpoint: string): Promise<Run> {
  const env = {
    ...motoEnv(REGION),
    AWS_ENDPOINT_URL: endpoint,
    POCKET_LOCK_LEASE_SECONDS: String(LEASE_SECONDS),
  };
  return new Promise((resolve, reject) => {
    const child = spawnPocket(args, { cwd, env, timeoutMs: HANG_MS });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

const s3 = () => new S3Client({ region: REGION, forcePathStyle: true });

async function lockPresent(): Promise<boolean> {
  try {
    await s3().send(new HeadObjectCommand({ Bucket: STATE_BUCKET, Key: LOCK_KEY }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === "NotFound") return false;
    throw error;
  }
}

async function userObjects(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(USER_OBJECTS)) {
    const got = await s3().send(new GetObjectCommand({ Bucket: APP_BUCKET, Key: key }));
    out[key] = await got.Body!.transformToString();
  }
  return out;
}

async function secretValues(): Promise<unknown> {
  const out = await new SecretsManagerClient({ region: REGION }).send(
    new GetSecretValueCommand({ SecretId: SECRET }),
  );
  return JSON.parse(out.SecretString!);
}

interface Figures {
  command: string;
  seed: number;
  requests: number;
  faults: Record<FaultKind, number>;
  exit: number | null;
  /** The faults injected (kind, method, operation), for a run that failed. */
  injected?: readonly string[];
  /** An exit 1 that left its lock for the lease to end. */
  lockLeft: boolean;
  error?: string;
}

const figures: Figures[] = [];
let dir: string;
let image: string;
let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
let moto: string;
let secretsBefore: unknown;

beforeAll(async () => {
  ({ dir, image } = await freshProject(STAGE(1), "faults"));
  moto = inject("motoEndpoint");
});

afterAll(async () => {
  await proxy?.close();
  if (figures.length === 0) return;
  // The figures README.md's "Safety" section states.
  const total = (kind: FaultKind) => figures.reduce((n, f) => n + f.faults[kind], 0);
  const exits = figures.reduce<Record<string, number>>((n, f) => {
    n[`exit ${f.exit}`] = (n[`exit ${f.exit}`] ?? 0) + 1;
    return n;
  }, {});
  console.log(
    [
      `fault injection, seed ${SEED}, rate ${RATE}: ${figures.length} faulted runs, ${figures.reduce((n, f) => n + f.requests, 0)} requests`,
      `faults: ${FAULT_KINDS.map((k) => `${k} ${total(k)}`).join(", ")}`,
      `outcomes: ${Object.entries(exits)
        .map(([k, v]) => `${k}: ${v}`)
        .join(", ")}`,
      ...figures.map(
        (f) =>
          `  ${f.command} (seed ${f.seed}): ${f.requests} requests, ${FAULT_KINDS.map((k) => `${k} ${f.faults[k]}`).join(", ")} -> exit ${f.exit}${f.lockLeft ? ", lock left" : ""}${f.error ? ` (${f.error}; faults: ${f.injected?.join(", ")})` : ""}`,
      ),
    ].join("\n"),
  );
});

/**
 * One faulted run of `args`, then its clean rerun against moto directly. Returns the faulted run.
 */
async function faultedThenClean(label: string, args: string[]): Promise<Run> {
  const seed = SEED + figures.length;
  await proxy?.close();
  proxy = await startFaultProxy(moto, { seed, rate: RATE });
  const run = await pocketRun(args, dir, proxy.url);
  const { pass, ...faults } = proxy.counts;
  const error = /^error: (.*)$/m.exec(run.stderr)?.[1];
  figures.push({
    command: label,
    seed,
    requests: pass + Object.values(faults).reduce((a, b) => a + b, 0),
    faults,
    exit: run.status,
    lockLeft: false,
    ...(error ? { error, injected: [...proxy.faults] } : {}),
  });

  // Never a hang (killed at HANG_MS: status null), never an internal error (70).
  expect(run.signal, `${label} hung:\n${run.stderr}`).toBeNull();
  expect([0, 1], `${label} exit ${run.status}:\n${run.stderr}`).toContain(run.status);
  expect(run.stderr).not.toContain("internal error");
  expect(run.stderr, "the SDK's riddle reached the user").not.toMatch(/Deserialization error|\$response/);
  if (run.status === 1) expect(run.stderr).toMatch(/^error: /m);
  const lockLeft = await lockPresent();
  figures[figures.length - 1]!.lockLeft = lockLeft && run.status !== 0;
  expect(lockLeft && run.status === 0, `${label}: lock left after exit 0`).toBe(false);
  // S3's clock judges the lease, in whole seconds, with a second's margin (engine/lock-object.ts).
  if (lockLeft) await new Promise((r) => setTimeout(r, (LEASE_SECONDS + 3) * 1000));

  const clean = await pocketRun(args, dir, moto);
  expect(clean.status, `${label}, clean rerun:\n${clean.stderr}`).toBe(0);
  expect(await lockPresent(), `${label}: lock left after the clean rerun`).toBe(false);
  return run;
}

async function expectInSync(): Promise<void> {
  const status = await pocketRun(["status", "--stage", "dev", "--json"], dir, moto);
  expect(status.status, status.stderr).toBe(0);
  const resources = (JSON.parse(status.stdout) as { resources: { id: string; state: string }[] }).resources;
  expect(resources.map((r) => [r.id, r.state])).toEqual([
    ["state", "in-sync"],
    ["s3", "in-sync"],
    ["secrets", "in-sync"],
    ["container", "in-sync"],
    ["cloudfront:main", "in-sync"],
  ]);
}

async function expectNothingLost(): Promise<void> {
  expect(await userObjects()).toEqual(USER_OBJECTS);
  expect(await secretValues()).toEqual(secretsBefore);
}

const deploy = () => ["deploy", "--stage", "dev", "--image", image];

// Every answer spoiled the same way: what the user reads once the SDK's retries are spent.
describe("an endpoint that always fails says so in one clear error", () => {
  it.each([
    [
      "cut",
      /^error: the connection to AWS in ap-northeast-1 failed: \w+ \w+ at http:\/\/127\.0\.0\.1:\d+: the connection closed (in the middle of|before) the answer/m,
    ],
    [
      "html",
      /^error: \w+ \w+ got an answer that is not in AWS's format \(http:\/\/127\.0\.0\.1:\d+, HTTP 503, text\/html, after 8 attempts\)/m,
    ],
    [
      "server-error",
      /^error: \w+ \w+ failed on AWS's side: HTTP 500 \w+ \(http:\/\/127\.0\.0\.1:\d+, after 8 attempts\)/m,
    ],
  ] as const)(
    "every answer %s: exit 1, the call, the endpoint, the status, the next step",
    { timeout: 60_000 },
    async (kind, message) => {
      const always = await startFaultProxy(moto, { seed: SEED, rate: 1, kinds: [kind] });
      try {
        const run = await pocketRun(["status", "--stage", "dev"], dir, always.url);
        expect(run.status, run.stderr).toBe(1);
        expect(run.stderr).toMatch(message);
        expect(run.stderr).toMatch(/^hint: .*run the command again/im);
        expect(run.stderr).not.toMatch(/internal error|Deserialization error|\$response/);
      } finally {
        await always.close();
      }
    },
  );
});
const destroy = ["destroy", "--stage", "dev", "--yes"];

describe("deploy, update and destroy through a proxy that throttles, fails and cuts answers", () => {
  it("deploys the stage", { timeout: 400_000 }, async () => {
    await faultedThenClean("deploy (create)", deploy());
    await expectInSync();
    for (const [Key, Body] of Object.entries(USER_OBJECTS)) {
      await s3().send(new PutObjectCommand({ Bucket: APP_BUCKET, Key, Body }));
    }
    secretsBefore = await secretValues();
  });

  it("updates it, twice", { timeout: 800_000 }, async () => {
    for (const release of [2, 3]) {
      dir = project(STAGE(release), "faults");
      await faultedThenClean(`deploy (update ${release})`, deploy());
      await expectInSync();
      await expectNothingLost();
    }
  });

  it("destroys it, keeping the data and the secrets", { timeout: 400_000 }, async () => {
    await faultedThenClean("destroy", destroy);
    await expectNothingLost();
  });

  it("deploys it again and destroys it again", { timeout: 800_000 }, async () => {
    // destroy removed the image repository with the stage.
    image = await stageImage("faults");
    dir = project(STAGE(4), "faults");
    await faultedThenClean("deploy (again)", deploy());
    await expectInSync();
    await expectNothingLost();
    await faultedThenClean("status", ["status", "--stage", "dev"]);
    await faultedThenClean("destroy (again)", destroy);
    await expectNothingLost();
  });
});

import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployResources } from "../../src/engine/deploy.js";
import { runContext } from "../../src/engine/run-context.js";
import type { Resource } from "../../src/resources/resource.js";
import stateBucket from "../../src/resources/state-bucket/index.js";
import { type FaultProxy, startFaultProxy } from "../moto/fault-proxy.js";
import { motoEnv } from "../moto/moto.js";
import { loadInline } from "../templates/context.js";
import { freshMoto, general, REGION } from "./harness.js";

/*
 * A run that loses its stage lock stops at the next safe point (before its next change), through
 * the engine alone: resources that live only in this test do what another run or a broken
 * network would do to the lock in the middle of a deploy. The lease is 1 s (renewed every third
 * of a second), so the tests take seconds. The engine's AWS clients talk to moto through a
 * loopback proxy that can stop answering the lock's renewals.
 */
const STATE = "dev-safepoint-pocket-state";
const LOCK = "locks/dev.json";
const config = loadInline(`
${general("safepoint")}`);

let proxy: FaultProxy;
const lease = process.env.POCKET_LOCK_LEASE_SECONDS;
const s3 = () =>
  new S3Client({ region: REGION, forcePathStyle: true, endpoint: motoEnv(REGION).AWS_ENDPOINT_URL });

beforeAll(async () => {
  await freshMoto({ cli: false });
  proxy = await startFaultProxy(motoEnv(REGION).AWS_ENDPOINT_URL ?? "");
  // The engine's clients are made after this, so they all go through the proxy.
  process.env.AWS_ENDPOINT_URL = proxy.url;
  process.env.POCKET_LOCK_LEASE_SECONDS = "1";
});

afterAll(async () => {
  if (lease === undefined) delete process.env.POCKET_LOCK_LEASE_SECONDS;
  else process.env.POCKET_LOCK_LEASE_SECONDS = lease;
  await proxy?.close();
});

/** Two steps under the lock: `first` runs `during`, `second` depends on it. */
function steps(log: string[], during: () => Promise<void>): Resource[] {
  const step = (id: string, dependsOn: string[], work: () => Promise<void>): Resource => ({
    id,
    title: `step ${id}`,
    group: "step",
    dependsOn,
    async status() {
      return { state: "missing" };
    },
    async plan() {
      return [{ action: "create", target: id }];
    },
    async deploy() {
      log.push(id);
      await work();
      return { changed: true, summary: "done" };
    },
    async destroy() {
      return { changed: false, summary: "nothing" };
    },
  });
  return [step("first", ["state"], during), step("second", ["first"], async () => {})];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a run that loses its stage lock", () => {
  it("starts no further change once another run holds the lock", async () => {
    const log: string[] = [];
    const resources = [
      ...stateBucket.create(config.context),
      ...steps(log, async () => {
        // Someone took the lock (a --force-unlock elsewhere); our next renewal finds out.
        const theirs = {
          user: "ci",
          host: "runner-3",
          pid: 9,
          startedAt: "x",
          command: "deploy",
          token: "theirs",
        };
        await s3().send(new PutObjectCommand({ Bucket: STATE, Key: LOCK, Body: JSON.stringify(theirs) }));
        await sleep(1200);
      }),
    ];
    const run = runContext(config, { yes: true }, resources);
    await expect(deployResources(run, resources, { command: "test deploy" })).rejects.toThrow(
      `this run lost the stage lock s3://${STATE}/${LOCK}: it is now held by ci@runner-3 (pid 9, pocket deploy)`,
    );
    expect(log).toEqual(["first"]);
    const left = await s3().send(new GetObjectCommand({ Bucket: STATE, Key: LOCK }));
    expect(JSON.parse(await left.Body!.transformToString()).token).toBe("theirs");
  }, 60_000);

  it("starts no further change when its lease could not be renewed in time", async () => {
    await s3().send(new DeleteObjectCommand({ Bucket: STATE, Key: LOCK }));
    const log: string[] = [];
    const resources = [
      ...stateBucket.create(config.context),
      ...steps(log, async () => {
        // S3 stops answering the lock's renewals for longer than the lease.
        proxy.rule = ({ method, path }) =>
          method === "PUT" && path.startsWith(`/${STATE}/${LOCK}`) ? "hang" : "pass";
        await sleep(2500);
      }),
    ];
    const run = runContext(config, { yes: true }, resources);
    await expect(deployResources(run, resources, { command: "test deploy" })).rejects.toThrow(
      /this run lost the stage lock .*: its lease could not be renewed for \d+ s/,
    );
    proxy.rule = () => "pass";
    expect(log).toEqual(["first"]);
  }, 60_000);
});

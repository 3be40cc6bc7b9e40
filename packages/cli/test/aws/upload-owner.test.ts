import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from "vitest";
import type { AwsClients } from "../../src/aws/clients.js";
import { type FaultProxy, type FaultRequest, startFaultProxy } from "../moto/fault-proxy.js";
import { freshMoto, REGION, s3, until } from "./harness.js";

/*
 * The first listing of a sync goes out beside the account id question, not after its answer, and
 * still nothing acts on a bucket before its owner is known
 * (docs/decisions.md#p16-buckets-are-checked-for-their-owner, #p7-front-end-upload). The account
 * id's answer is held here (a stand-in STS client whose answer the test releases); every S3 call
 * goes to moto through the fault proxy, which records each request's headers. moto checks no
 * owner: what is checked is which requests named it, and when.
 */
const BUCKET = "dev-ownerfirst-pocket";
const ACCOUNT = "123456789012";
let proxy: FaultProxy;
let seen: FaultRequest[] = [];

beforeAll(async () => {
  await freshMoto({ cli: false });
  await s3().send(
    new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  proxy = await startFaultProxy(inject("motoEndpoint"));
  proxy.rule = (req) => {
    seen.push(req);
    return "pass";
  };
  process.env.AWS_ENDPOINT_URL = proxy.url;
});
afterAll(() => proxy.close());
beforeEach(() => {
  seen = [];
  // The account id is asked once per process (aws/clients.ts): each test starts unanswered.
  vi.resetModules();
});

const owner = (r: FaultRequest) => r.headers["x-amz-expected-bucket-owner"];
const isListing = (r: FaultRequest) => r.method === "GET" && r.path.includes("list-type=2");

/** A sync's modules, fresh, with clients whose account id answers only when `answer()` is called. */
async function heldAccount() {
  const { awsClients } = await import("../../src/aws/clients.js");
  const sync = await import("../../src/buckets/sync.js");
  let answer: () => void = () => {};
  const held = new Promise<{ Account: string; Arn: string }>((resolve) => {
    answer = () => resolve({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root` });
  });
  const sts = { send: () => held } as unknown as STSClient;
  const clients: AwsClients = { ...awsClients(REGION), sts: async () => sts };
  return { clients, sync, answer };
}

function site(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "pocket-owner-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/**
 * Starts a sync's plan with the account id held back and waits for its first listing, which
 * names no owner yet; `planned()` says whether the plan has returned since.
 */
async function planBeforeTheAccount(
  held: Awaited<ReturnType<typeof heldAccount>>,
  dir: string,
  prefix: string,
  options: { appliedNext?: boolean } = {},
) {
  let planned = false;
  const plan = held.sync
    .planSync(held.clients, dir, { bucket: BUCKET, prefix }, { delete: true, manifest: false, ...options })
    .then((actions) => {
      planned = true;
      return actions;
    });
  await until("the listing, with the account id unanswered", () => seen.some(isListing));
  expect(owner(seen.find(isListing)!)).toBeUndefined();
  return { plan, planned: () => planned };
}

describe("a sync's listing and the bucket's owner", () => {
  it("lists before the account id is known; every PUT names the owner, which only its answer gives", async () => {
    const held = await heldAccount();
    const { clients, sync, answer } = held;
    const dir = site({ "index.html": "<h1>first</h1>", "assets/app.js": "console.log(1)" });
    const target = { bucket: BUCKET, prefix: "first" };
    // Before this change the listing waited for the account id: this wait never ended.
    const { plan, planned } = await planBeforeTheAccount(held, dir, "first", { appliedNext: true });
    // A plan that uploads needs no other call: its PUTs check the owner.
    const actions = await plan;
    expect(planned()).toBe(true);
    expect(actions.map((a) => a.kind)).toEqual(["upload", "upload"]);
    expect(seen.filter((r) => r.method !== "GET")).toEqual([]);

    const applied = sync.applySync(clients, target, actions, () => {});
    answer();
    await applied;
    const puts = seen.filter((r) => r.method === "PUT");
    expect(puts).toHaveLength(2);
    for (const r of puts) expect(owner(r), r.path).toBe(ACCOUNT);
  });

  it("with nothing to upload, the plan waits for an owner-checked call to the bucket", async () => {
    const held = await heldAccount();
    const files = { "index.html": "<h1>same</h1>" };
    const dir = site(files);
    await s3().send(
      new PutObjectCommand({ Bucket: BUCKET, Key: "same/index.html", Body: files["index.html"] }),
    );
    seen = [];
    const { plan, planned } = await planBeforeTheAccount(held, dir, "same");
    // Nothing but the owner's answer can end the plan now: it is still pending.
    await new Promise((r) => setImmediate(r));
    expect(planned()).toBe(false);
    held.answer();
    expect((await plan).map((a) => a.kind)).toEqual(["keep"]);
    const listings = seen.filter(isListing);
    expect(listings.map(owner)).toEqual([undefined, ACCOUNT]);
    expect(seen).toHaveLength(2);
  });

  it("a plan that is not applied next (a dry run) waits for the owner even when it would upload", async () => {
    const held = await heldAccount();
    const dir = site({ "index.html": "<h1>dry</h1>" });
    const { plan, planned } = await planBeforeTheAccount(held, dir, "dry");
    // What the listing said is shown to no one before the bucket is known to be the account's.
    await new Promise((r) => setImmediate(r));
    expect(planned()).toBe(false);
    held.answer();
    expect((await plan).map((a) => a.kind)).toEqual(["upload"]);
    expect(seen.filter(isListing).map(owner)).toEqual([undefined, ACCOUNT]);
    expect(seen.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("once the account id is known, the listing names the owner and no other call is made", async () => {
    const { clients, sync, answer } = await heldAccount();
    answer();
    const { accountId } = await import("../../src/aws/clients.js");
    await accountId(clients);
    const dir = site({ "index.html": "<h1>known</h1>" });
    await s3().send(
      new PutObjectCommand({ Bucket: BUCKET, Key: "known/index.html", Body: "<h1>known</h1>" }),
    );
    seen = [];
    const actions = await sync.planSync(
      clients,
      dir,
      { bucket: BUCKET, prefix: "known" },
      { delete: true, manifest: false },
    );
    expect(actions.map((a) => a.kind)).toEqual(["keep"]);
    expect(seen.map((r) => `${r.method} ${owner(r)}`)).toEqual([`GET ${ACCOUNT}`]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type UpstashServer, upstashVariables } from "../contract/upstash-server.js";
import { freshUpstashProject, vendorPocket } from "./harness.js";
import * as stored from "./stored-url.js";

/*
 * `[upstash] provisioning = "command"` (the original's configuration.md, "upstash"; cli.md,
 * "store-url"): deploy never calls Upstash and needs no credentials; `pocket resource upstash
 * store-url` ensures the stage's database and stores its URL in the stored user secret of type
 * upstash_redis_url, which the redis cache reads.
 */
const TOML = stored.storedUrlStage(
  "cmdu",
  '[upstash]\nprovisioning = "command"\n',
  "REDIS_URL",
  "upstash_redis_url",
  '[container.web.django.caches]\ndefault = { store = "redis" }\n',
);
const EMAIL = "ops@example.com";
const API_KEY = "upstash-test-key-0123456789abcdef";
const STORED = stored.storedName("cmdu", "upstash_redis_url");
const URL = "rediss://default:Pw%2Fwith%3Aurl%2Bsyntax%401@apn1-stage-1.upstash.io:6379";

let upstash: UpstashServer;
let dir: string;
let image: string;
const pocket = vendorPocket(
  () => dir,
  () => upstashVariables(upstash, { email: EMAIL, apiKey: API_KEY }),
);
/** The CI has no credentials, but is pointed at the Upstash server: any call would be seen. */
const ci = (args: string[]) => pocket(args, { UPSTASH_EMAIL: "", UPSTASH_API_KEY: "" });
const runs: stored.StoreUrlRuns = {
  group: "upstash",
  deploy: (...extra) => ci(["deploy", "--stage", "dev", "--image", image, ...extra]),
  ci,
  operator: (args) => pocket(args),
  activity: () => upstash.calls.length,
};
const storeUrl = (...extra: string[]) =>
  pocket(["resource", "upstash", "store-url", "--stage", "dev", ...extra]);

beforeAll(async () => {
  ({ dir, image, upstash } = await freshUpstashProject(TOML, "cmdu", { email: EMAIL, apiKey: API_KEY }));
});
afterAll(async () => upstash?.close());

describe('[upstash] provisioning = "command" against the contract server and moto', () => {
  it("a strict deploy before store-url stops, names store-url, and never calls Upstash", async () => {
    await stored.expectStrictDeployStops(runs, STORED);
    expect(upstash.calls).toEqual([]);
  });

  it("store-url creates the database and stores its URL without printing it", async () => {
    const r = await storeUrl();
    expect(r.status, r.stderr).toBe(0);
    expect(upstash.databases()).toEqual(["cmdu-dev"]);
    expect(r.stderr).toContain("stage=dev → database=cmdu-dev → endpoint=apn1-stage-1.upstash.io");
    expect(r.stderr).toContain("warning: database cmdu-dev was created by this run");
    expect(r.stderr).toContain(`stored the Upstash URL in REDIS_URL (Secrets Manager secret ${STORED})`);
    expect(await stored.storedSecret(STORED)).toBe(URL);
    expect(r.stderr + r.stdout).not.toContain("Pw");
  });

  it("store-url keeps a stored URL unless --force, which writes the same URL (the password is read back)", async () => {
    const calls = upstash.calls.length;
    const kept = await storeUrl();
    expect(kept.status, kept.stderr).toBe(0);
    expect(kept.stderr).toContain("is already stored; nothing changed");
    expect(upstash.calls.length).toBe(calls);
    const forced = await storeUrl("--force");
    expect(forced.status, forced.stderr).toBe(0);
    expect(upstash.calls.slice(calls).filter((c) => c.method !== "GET")).toEqual([]);
    expect(forced.stderr).not.toContain("warning");
    expect(await stored.storedSecret(STORED)).toBe(URL);
  });

  it("deploys without credentials, redeploys with no change, and never calls Upstash", async () => {
    await stored.expectKeylessDeploys(runs);
  });

  it("destroy, even --with-data, leaves the database it did not make and the stored URL", async () => {
    expect(await stored.expectDestroyLeavesIt(runs, STORED)).toBe(URL);
    expect(upstash.databases()).toEqual(["cmdu-dev"]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pocketAsync, project } from "../cli/run.js";
import { type NeonServer, neonVariables } from "../contract/neon-server.js";
import { motoEnv } from "../moto/moto.js";
import { freshNeonProject, REGION } from "./harness.js";
import * as stored from "./stored-url.js";

/*
 * `[neon] provisioning = "command"` (the original's configuration.md, "neon"; cli.md, "store-url"):
 * deploy never calls Neon and needs no key; `pocket resource neon store-url` ensures the branch,
 * role and database and stores the URL in the stored user secret of type neon_database_url
 * (`{pocket_key}-user/neon_database_url`), which deploy reads.
 */
const TOML = stored.storedUrlStage(
  "cmd",
  '[neon]\nproject_name = "demo-neon"\nprovisioning = "command"\n',
  "DATABASE_URL",
  "neon_database_url",
);
const API_KEY = "neon-test-key-0123456789abcdef";
const STORED = stored.storedName("cmd", "neon_database_url");

let neon: NeonServer;
let dir: string;
let image: string;
/** The operator, with the Neon key. */
const operator = (args: string[]) =>
  pocketAsync(args, { cwd: dir, env: { ...motoEnv(REGION), ...neonVariables(neon, API_KEY) } });
/** The deploying CI: pointed at the Neon server (any call would be seen) but without a key. */
const ci = (args: string[]) =>
  pocketAsync(args, {
    cwd: dir,
    env: { ...motoEnv(REGION), ...neonVariables(neon, API_KEY), NEON_API_KEY: undefined },
  });
const runs: stored.StoreUrlRuns = {
  group: "neon",
  deploy: (...extra) => ci(["deploy", "--stage", "dev", "--image", image, ...extra]),
  ci,
  operator,
  activity: () => neon.calls.length,
};
const storedUrl = () => stored.storedSecret(STORED);

beforeAll(async () => {
  ({ dir, image, neon } = await freshNeonProject(TOML, "cmd", API_KEY));
});
afterAll(async () => neon?.close());

describe('[neon] provisioning = "command" against the contract server and moto', () => {
  it("a strict deploy before store-url stops, names store-url, and never calls Neon", async () => {
    await stored.expectStrictDeployStops(runs, STORED);
    expect(neon.calls).toEqual([]);
  });

  it("store-url ensures the branch, role and database and stores the URL, without printing it", async () => {
    const r = await operator(["resource", "neon", "store-url", "--stage", "dev"]);
    expect(r.status, r.stderr).toBe(0);
    expect(neon.branches()).toContain("dev");
    expect(r.stderr).toMatch(
      /stage=dev → project=demo-neon → branch=dev → endpoint=ep-\d+\.ap-southeast-1\.aws\.neon\.tech/,
    );
    expect(r.stderr).toContain("warning: branch dev was created by this run");
    expect(r.stderr).toContain(`stored the Neon URL in DATABASE_URL (Secrets Manager secret ${STORED})`);
    expect(await storedUrl()).toMatch(
      /^postgres:\/\/cmd:Pw%2Fwith%3Aurl%2Bsyntax%401@ep-\d+\.ap-southeast-1\.aws\.neon\.tech:5432\/cmd\?sslmode=require$/,
    );
    expect(r.stderr + r.stdout).not.toContain("Pw");
  });

  it("store-url keeps a stored URL unless --force, which writes the same URL (Neon's is read back)", async () => {
    const before = await storedUrl();
    const calls = neon.calls.length;
    const kept = await operator(["resource", "neon", "store-url", "--stage", "dev"]);
    expect(kept.status, kept.stderr).toBe(0);
    expect(kept.stderr).toContain("is already stored; nothing changed");
    expect(neon.calls.length).toBe(calls);
    const forced = await operator(["resource", "neon", "store-url", "--stage", "dev", "--force"]);
    expect(forced.status, forced.stderr).toBe(0);
    expect(neon.calls.slice(calls).filter((c) => c.method !== "GET")).toEqual([]);
    expect(forced.stderr).not.toContain("was created by this run");
    expect(await storedUrl()).toBe(before);
  });

  it("deploys without a Neon key, redeploys with no change, and never calls Neon", async () => {
    await stored.expectKeylessDeploys(runs);
  });

  it("destroy, even --with-data, leaves the branch it did not make and the stored URL", async () => {
    expect(await stored.expectDestroyLeavesIt(runs, STORED)).toMatch(/^postgres:\/\/cmd:/);
    expect(neon.branches()).toContain("dev");
  });

  it("store-url without a user secret of type neon_database_url says where to declare it, before calling Neon", async () => {
    const bare = project(TOML.slice(0, TOML.indexOf("[container.web.secrets.user]")), "cmd");
    const calls = neon.calls.length;
    const r = await pocketAsync(["resource", "neon", "store-url", "--stage", "dev"], {
      cwd: bare,
      env: { ...motoEnv(REGION), ...neonVariables(neon, API_KEY) },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`declares no user secret of type "neon_database_url"`);
    expect(r.stderr).toContain('DATABASE_URL = { type = "neon_database_url" }');
    expect(neon.calls.length).toBe(calls);
  });
});

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DSQLClient, GetClusterCommand, ListClustersCommand } from "@aws-sdk/client-dsql";
import { GetRolePolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetFunctionConfigurationCommand, LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { loadEnv, refreshDsqlToken, resetEnvLoaded } from "../../../runtime/src/index.js";
import { pocketAsync, project } from "../cli/run.js";
import { deployedFunctionEnvironment, runPython } from "../django/handlers.js";
import { ensurePython, PY_DIR } from "../django/python.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { ACCOUNT, deniedCalls, stagePolicy } from "./allowed-calls.js";
import { freshMoto, general, mainContainer, REGION } from "./harness.js";
import { expectNoChangeDeploy, record, recordedSteps } from "./recorder.js";

// The original's current example ("dsql"): the one-line section, deletion protection for one
// stage written as a stage table (here dev's, so the test deploys it).
const toml = (protect: boolean) =>
  `${general("shop")}
[dsql]
${protect ? "\n[dev.dsql]\ndeletion_protection = true\n" : ""}
${mainContainer({ permissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/dev-shop-pocket-boundary` })}`;

let dir: string;
let image: string;
const env = () => ({ ...motoEnv(REGION), POCKET_RDS_POLL_MS: "10" });
const run = (args: string[]) => pocketAsync(args, { cwd: dir, env: env() });
const { requests, step } = recordedSteps(run);
const dsql = () => new DSQLClient({ region: REGION });
const sm = () => new SecretsManagerClient({ region: REGION });
const SECRET = "dev-shop-pocket-user/dsql_endpoint";

/** The live clusters (DSQL lists every cluster; the stage's carries its Name tag). */
async function clusters() {
  const listed = (await dsql().send(new ListClustersCommand({}))).clusters ?? [];
  return Promise.all(listed.map((c) => dsql().send(new GetClusterCommand({ identifier: c.identifier }))));
}

async function wsgiFunction() {
  const lambda = new LambdaClient({ region: REGION });
  const name = (await lambda.send(new ListFunctionsCommand({})))
    .Functions!.map((f) => f.FunctionName!)
    .find((n) => n.endsWith("-wsgi"))!;
  return lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
}

/** Python's cold start and refresh, the clock moved 16 minutes (past the token's 15) in between. */
const PYTHON_REFRESH = `
import datetime, json, os
import botocore.auth
from pocket.runtime import refresh_dsql_token, set_envs
set_envs()
cold = os.environ["POCKET_DSQL_TOKEN"]
later = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(minutes=16)
botocore.auth.get_current_datetime = lambda: later
fresh = refresh_dsql_token()
print(json.dumps({"cold": cold, "fresh": fresh, "env": os.environ["POCKET_DSQL_TOKEN"]}))
`;

/** Both tokens connect as admin to the stage's endpoint; the fresh one is signed after the cold one expired. */
function expectRefreshed(cold: string, fresh: string, endpoint: string) {
  const read = (token: string) => new URL(`https://${token}`);
  const at = (u: URL) => {
    const d = u.searchParams.get("X-Amz-Date")!;
    return Date.UTC(
      +d.slice(0, 4),
      +d.slice(4, 6) - 1,
      +d.slice(6, 8),
      +d.slice(9, 11),
      +d.slice(11, 13),
      +d.slice(13, 15),
    );
  };
  const [c, f] = [read(cold), read(fresh)];
  for (const u of [c, f]) {
    expect(u.hostname).toBe(endpoint);
    expect(u.searchParams.get("Action")).toBe("DbConnectAdmin");
  }
  expect(at(c) + Number(c.searchParams.get("X-Amz-Expires")) * 1000).toBeLessThan(at(f));
}

beforeAll(async () => {
  await freshMoto();
  image = await putTestImage("dev-shop-pocket-main-lambda", "dev", REGION);
  dir = project(toml(false), "shop");
});

describe("[dsql] against moto", () => {
  it("creates the cluster, publishes its endpoint and gives the functions the endpoint and admin connect on it only", async () => {
    const r = await step("deploy", ["deploy", "--stage", "dev", "--image", image]);
    expect(r.status, r.stderr).toBe(0);
    const [cluster, ...others] = await clusters();
    expect(others).toEqual([]);
    expect(cluster!.tags).toMatchObject({ Name: "dev-shop-pocket-dsql" });
    expect(cluster!.deletionProtectionEnabled).toBe(false);
    const endpoint = `${cluster!.identifier}.dsql.${REGION}.on.aws`;
    expect(cluster!.endpoint).toBe(endpoint);
    expect((await sm().send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString).toBe(endpoint);

    const fn = await wsgiFunction();
    expect(fn.Environment!.Variables).toMatchObject({
      POCKET_DSQL_ENDPOINT: endpoint,
      POCKET_DSQL_REGION: REGION,
    });
    const roleName = fn.Role!.split("/").pop()!;
    const policy = decodeURIComponent(
      (
        await new IAMClient({ region: REGION }).send(
          new GetRolePolicyCommand({ RoleName: roleName, PolicyName: `${roleName}-policy` }),
        )
      ).PolicyDocument!,
    );
    expect(policy).toContain("dsql:DbConnectAdmin");
    expect(policy).toContain(cluster!.arn!);
    expect(policy).not.toMatch(/dsql:DbConnect[^A]/);
    // The original warns on every deploy of a stage without [backup.dsql].
    expect(r.stderr).toContain("declares no [backup.dsql]");
  });

  it("the runtimes, given the deployed function's environment, sign tokens for it and refresh them past expiry", async () => {
    const deployed = (await deployedFunctionEnvironment((await wsgiFunction()).FunctionName!, REGION))
      .variables;
    const endpoint = deployed.POCKET_DSQL_ENDPOINT!;
    // Python: set_envs() at cold start, then refresh_dsql_token() with the clock 16 minutes on.
    ensurePython();
    const py = runPython(["-c", PYTHON_REFRESH], dir, join(PY_DIR, "src"), {
      ...deployed,
      ...motoEnv(REGION),
    });
    expect(py.status, py.out).toBe(0);
    const tokens = JSON.parse(py.out) as { cold: string; fresh: string; env: string };
    expectRefreshed(tokens.cold, tokens.fresh, endpoint);
    expect(tokens.env).toBe(tokens.fresh);

    // Node: loadEnv() at cold start, then refreshDsqlToken() with the clock 16 minutes on.
    const saved = process.env;
    process.env = { ...deployed, ...motoEnv(REGION) };
    try {
      resetEnvLoaded();
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(new Date("2026-12-07T12:00:00Z"));
      await loadEnv();
      const cold = process.env.POCKET_DSQL_TOKEN!;
      vi.setSystemTime(new Date("2026-12-07T12:16:00Z"));
      const fresh = await refreshDsqlToken();
      expectRefreshed(cold, fresh, endpoint);
      expect(process.env.POCKET_DSQL_TOKEN).toBe(fresh);
    } finally {
      vi.useRealTimers();
      resetEnvLoaded();
      process.env = saved;
    }
  });

  it("changes nothing on a second deploy, and status says in sync", async () => {
    await expectNoChangeDeploy(() => run(["deploy", "--stage", "dev", "--image", image]));
    const status = await step("status", ["resource", "dsql", "status", "--stage", "dev"]);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout + status.stderr).toMatch(/Aurora DSQL cluster dev-shop-pocket-dsql: in-sync/);
  });

  it("turns deletion protection on when [dev.dsql] says so, and prints the endpoint as the original does", async () => {
    writeFileSync(join(dir, "pocket.toml"), toml(true));
    const plan = await step("plan", ["plan", "--stage", "dev", "--image", image]);
    expect(plan.stdout + plan.stderr).toContain("deletion protection on");
    const r = await step("protect", ["resource", "dsql", "deploy", "--stage", "dev"]);
    expect(r.status, r.stderr).toBe(0);
    const [cluster] = await clusters();
    expect(cluster!.deletionProtectionEnabled).toBe(true);

    // Without [backup.dsql] no role may back the cluster up: refused before any call that changes anything.
    const noPlan = await run(["resource", "dsql", "backup", "--stage", "dev"]);
    expect(noPlan.status).not.toBe(0);
    expect(noPlan.stderr).toContain("has no [backup.dsql], so no role may back up its cluster");
    expect(noPlan.stderr).toContain("--iam-role-arn");

    const json = await step("endpoint", [
      "resource",
      "dsql",
      "endpoint",
      "--stage",
      "dev",
      "--format",
      "json",
    ]);
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ endpoint: cluster!.endpoint, region: REGION, port: 5432 });
  });

  it("destroy keeps the cluster; --with-data deletes it (protection turned off) and its published endpoint", async () => {
    const kept = await step("destroy", ["destroy", "--stage", "dev", "--yes"]);
    expect(kept.status, kept.stderr).toBe(0);
    expect(kept.stderr).toMatch(/Aurora DSQL cluster dev-shop-pocket-dsql: kept/);
    expect(await clusters()).toHaveLength(1);

    const gone = await step("destroy-data", ["destroy", "--stage", "dev", "--yes", "--with-data"]);
    expect(gone.status, gone.stderr).toBe(0);
    expect(await clusters()).toEqual([]);
    const secret = await sm().send(new DescribeSecretCommand({ SecretId: SECRET }));
    expect(secret.DeletedDate).toBeDefined();

    const missing = await run(["resource", "dsql", "endpoint", "--stage", "dev", "--format", "json"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("has no Aurora DSQL cluster");
  });

  it("restore and restore-status are not built: refused before any AWS call, with the steps by hand", async () => {
    for (const args of [
      ["restore", "--latest"],
      ["restore-status", "--job-id", "j-1"],
    ]) {
      const r = await record(() => run(["resource", "dsql", ...args, "--stage", "dev"]));
      expect(r.result.status).toBe(1);
      expect(r.result.stderr).toContain("pocket does not restore Aurora DSQL clusters yet");
      expect(r.result.stderr).toContain("Name = dev-shop-pocket-dsql-replaced-");
      expect(r.operations).toEqual([]);
    }
  });

  it("every call made was allowed by pocket permissions", () => {
    expect(deniedCalls(stagePolicy(dir), requests)).toEqual([]);
  });
});

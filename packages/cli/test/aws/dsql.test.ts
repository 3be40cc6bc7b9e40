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
import { beforeAll, describe, expect, it } from "vitest";
import { pocketAsync, project } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { ACCOUNT, deniedCalls, stagePolicy } from "./allowed-calls.js";
import { freshMoto, general, mainContainer, REGION } from "./harness.js";
import { expectNoChangeDeploy, recordedSteps } from "./recorder.js";

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

  it("every call made was allowed by pocket permissions", () => {
    expect(deniedCalls(stagePolicy(dir), requests)).toEqual([]);
  });
});

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  RDSClient,
} from "@aws-sdk/client-rds";
import { beforeAll, describe, expect, it } from "vitest";
import { pocketAsync, project } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { iamRequest, isAllowed } from "../ops-iam-evaluator.js";
import { ACCOUNT, deniedCalls, stagePolicy } from "./allowed-calls.js";
import { freshMoto, mainContainer, REGION, rdsStage } from "./harness.js";
import { mutating, operationOf, record, recordedSteps } from "./recorder.js";

// The original's current example ("snapshot からの復元"): the stage's cluster is restored from a
// snapshot of another tool's cluster, whose database keeps its own name (`database` follows it).
const toml = (snapshot: string) =>
  rdsStage(
    "shop",
    "main",
    [`snapshot_identifier = "${snapshot}"`, 'database = "prod_old"'],
    mainContainer({
      databaseUrl: "rds_database_url",
      permissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/dev-shop-pocket-boundary`,
    }),
  );

const CLUSTER = "dev-shop-pocket-aurora";
const env = () => ({ ...motoEnv(REGION), POCKET_RDS_POLL_MS: "10" });
const rds = () => new RDSClient({ region: REGION });
const cluster = async () =>
  (await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: CLUSTER }))).DBClusters![0]!;
let dir: string;
let image: string;
const { requests, step } = recordedSteps((args) => pocketAsync(args, { cwd: dir, env: env() }));

beforeAll(async () => {
  await freshMoto();
  image = await putTestImage("dev-shop-pocket-main-lambda", "dev", REGION);
  // Another tool's cluster, with a password of its own, and the snapshot the stage starts from.
  await rds().send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: "awsde-prod",
      Engine: "aurora-postgresql",
      MasterUsername: "postgres",
      MasterUserPassword: "not-managed-by-rds",
      DatabaseName: "prod_old",
    }),
  );
  await rds().send(
    new CreateDBClusterSnapshotCommand({
      DBClusterIdentifier: "awsde-prod",
      DBClusterSnapshotIdentifier: "shop-prod-migration-20260410",
    }),
  );
  dir = project(toml("shop-prod-migration-20260410"), "shop");
});

describe("[rds] snapshot_identifier against moto", () => {
  it("restores the cluster from the snapshot, hands its password to RDS and the database to the functions", async () => {
    const r = await step("deploy", ["deploy", "--stage", "dev", "--image", image]);
    expect(r.status, r.stderr).toBe(0);
    const c = await cluster();
    expect(c.DatabaseName).toBe("prod_old");
    expect(c.MasterUserSecret?.SecretArn).toMatch(/^arn:aws:secretsmanager:/);
    expect(c.DeletionProtection).toBe(true);
    expect(c.BackupRetentionPeriod).toBe(35);
    expect(c.ServerlessV2ScalingConfiguration).toMatchObject({ MinCapacity: 0.5, MaxCapacity: 2 });
    expect(c.DBSubnetGroup).toBe(CLUSTER);

    const fn = await new LambdaClient({ region: REGION }).send(
      new GetFunctionConfigurationCommand({ FunctionName: "dev-shop-pocket-main-wsgi" }),
    );
    const vars = fn.Environment?.Variables ?? {};
    expect(vars.POCKET_RDS_SECRET_ARN).toBe(c.MasterUserSecret?.SecretArn);
    expect(vars.POCKET_RDS_DBNAME).toBe("prod_old");
  });

  it("changes nothing on a second deploy, nor when the snapshot named is another one", async () => {
    const again = await record(() =>
      pocketAsync(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: env() }),
    );
    expect(again.result.status, again.result.stderr).toBe(0);
    expect(mutating(again.operations)).toEqual(["PutObject", "DeleteObject"]);

    writeFileSync(join(dir, "pocket.toml"), toml("some-other-snapshot"));
    const other = await step("redeploy", ["deploy", "--stage", "dev", "--image", image]);
    expect(other.status, other.stderr).toBe(0);
    expect(
      mutating(requests.filter((q) => q.step === "redeploy").map((q) => operationOf(q.request))),
    ).toEqual(["PutObject", "DeleteObject"]);
    writeFileSync(join(dir, "pocket.toml"), toml("shop-prod-migration-20260410"));
  });

  it("keeps the cluster without --with-data, and deletes it with a final snapshot with it", async () => {
    const kept = await step("destroy", ["destroy", "--stage", "dev", "--yes"]);
    expect(kept.status, kept.stderr).toBe(0);
    expect(kept.stderr).toContain(`Aurora cluster ${CLUSTER}: kept (no --with-data)`);
    expect((await cluster()).Status).toBeDefined();

    const gone = await step("destroy-data", [
      "resource",
      "rds",
      "destroy",
      "--stage",
      "dev",
      "--yes",
      "--with-data",
    ]);
    expect(gone.status, gone.stderr).toBe(0);
    await expect(cluster()).rejects.toThrow();
    const snapshots = await rds().send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: "manual" }));
    expect(snapshots.DBClusterSnapshots?.map((s) => s.DBClusterSnapshotIdentifier).sort()).toEqual([
      expect.stringMatching(/^dev-shop-pocket-aurora-final-\d+$/),
      "shop-prod-migration-20260410",
    ]);
  });

  it("every call made was allowed by pocket permissions, the restore on that snapshot only", () => {
    const policy = stagePolicy(dir);
    expect(deniedCalls(policy, requests)).toEqual([]);
    const restore = requests.find(
      ({ request }) => iamRequest(request, ACCOUNT).action === "rds:RestoreDBClusterFromSnapshot",
    );
    expect(restore).toBeDefined();
    const other = iamRequest(restore!.request, ACCOUNT);
    expect(
      isAllowed(policy, {
        ...other,
        resources: [`arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:someone-elses`],
      }),
    ).toBe(false);
  });
});

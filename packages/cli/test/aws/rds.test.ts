import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from "@aws-sdk/client-rds";
import { beforeAll, describe, expect, it } from "vitest";
import { pocket } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { freshProject, REGION, rdsStage } from "./harness.js";
import { mutating, record } from "./recorder.js";

// The seed's [rds] example: a managed VPC with two zones, the cluster, and a container in it.
const TOML = (max = 2) => rdsStage("shop", "main", [`max_capacity = ${max}`]);

const env = () => ({ ...motoEnv(REGION), POCKET_RDS_POLL_MS: "10" });
const rds = () => new RDSClient({ region: REGION });
let dir: string;
let image: string;

beforeAll(async () => {
  ({ dir, image } = await freshProject(TOML(), "shop"));
});

describe("RDS Aurora Serverless v2 against moto", () => {
  it("creates the cluster in the VPC and hands its endpoint and secret to the functions", async () => {
    const r = pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    const cluster = (
      await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: "dev-shop-pocket-aurora" }))
    ).DBClusters![0]!;
    expect(cluster.Engine).toBe("aurora-postgresql");
    expect(cluster.DatabaseName).toBe("shop_dev");
    expect(cluster.ServerlessV2ScalingConfiguration).toMatchObject({ MinCapacity: 0.5, MaxCapacity: 2 });
    expect(cluster.MasterUserSecret?.SecretArn).toMatch(/^arn:aws:secretsmanager:/);
    const instance = (
      await rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "dev-shop-pocket-aurora-1" }))
    ).DBInstances![0]!;
    expect(instance.DBInstanceClass).toBe("db.serverless");

    const fn = await new LambdaClient({ region: REGION }).send(
      new GetFunctionConfigurationCommand({ FunctionName: "dev-shop-pocket-wsgi" }),
    );
    const vars = fn.Environment?.Variables ?? {};
    expect(vars.POCKET_RDS_SECRET_ARN).toBe(cluster.MasterUserSecret?.SecretArn);
    expect(vars.POCKET_RDS_ENDPOINT).toBe(cluster.Endpoint);
    expect(vars.POCKET_RDS_DBNAME).toBe("shop_dev");

    const endpoint = pocket(["resource", "rds", "endpoint", "--stage", "dev", "--json"], {
      cwd: dir,
      env: env(),
    });
    expect(endpoint.status, endpoint.stderr).toBe(0);
    expect(JSON.parse(endpoint.stdout)).toEqual({
      host: cluster.Endpoint,
      port: cluster.Port,
      database: "shop_dev",
      username: "postgres",
      passwordSecretArn: cluster.MasterUserSecret?.SecretArn,
    });
  });

  it("changes nothing on a second deploy, and only the capacity when max_capacity changes", async () => {
    const again = await record(() =>
      pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: env() }),
    );
    expect(again.result.status, again.result.stderr).toBe(0);
    // Only the deploy lock is written.
    expect(mutating(again.operations)).toEqual(["PutObject", "DeleteObject"]);

    writeFileSync(join(dir, "pocket.toml"), TOML(4));
    const resized = await record(() =>
      pocket(["deploy", "--stage", "dev", "--image", image], { cwd: dir, env: env() }),
    );
    expect(resized.result.status, resized.result.stderr).toBe(0);
    // The lock, the capacity, the deploy history record (its stacks' templates are stored already), the lock.
    expect(mutating(resized.operations)).toEqual([
      "PutObject",
      "ModifyDBCluster",
      "PutObject",
      "DeleteObject",
    ]);
    const cluster = (
      await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: "dev-shop-pocket-aurora" }))
    ).DBClusters![0]!;
    expect(cluster.ServerlessV2ScalingConfiguration?.MaxCapacity).toBe(4);
  });

  it("keeps the cluster (and its VPC) without --with-data, and deletes it with a final snapshot with it", async () => {
    const kept = pocket(["destroy", "--stage", "dev", "--yes"], { cwd: dir, env: env() });
    expect(kept.status, kept.stderr).toBe(0);
    expect(kept.stderr).toContain("Aurora cluster dev-shop-pocket-aurora: kept (no --with-data)");
    expect(kept.stderr).toContain("VPC stack main-pocket-vpc: kept (the database in it is kept)");
    await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: "dev-shop-pocket-aurora" }));

    const gone = pocket(["resource", "rds", "destroy", "--stage", "dev", "--yes", "--with-data"], {
      cwd: dir,
      env: env(),
    });
    expect(gone.status, gone.stderr).toBe(0);
    await expect(
      rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: "dev-shop-pocket-aurora" })),
    ).rejects.toThrow();
    const snapshots = await rds().send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: "manual" }));
    expect(snapshots.DBClusterSnapshots?.map((s) => s.DBClusterSnapshotIdentifier)).toEqual([
      expect.stringMatching(/^dev-shop-pocket-aurora-final-\d+$/),
    ]);
  });
});

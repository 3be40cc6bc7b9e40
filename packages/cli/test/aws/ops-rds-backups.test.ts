import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeDBClusterSnapshotsCommand, DescribeDBClustersCommand, RDSClient } from "@aws-sdk/client-rds";
import { beforeAll, describe, expect, it } from "vitest";
import { snapshotIdentifier } from "../../src/resources/rds/snapshot.js";
import { pocket, project } from "../cli/run.js";
import { motoEnv } from "../moto/moto.js";
import { freshMoto, REGION, rdsStage } from "./harness.js";
import { mutating, record } from "./recorder.js";

const TOML = (days: number, window = "18:00-18:30") =>
  rdsStage("bak", "bak", [`backup_retention_days = ${days}`, `preferred_backup_window = "${window}"`]);
const env = () => ({ ...motoEnv(REGION), POCKET_RDS_POLL_MS: "10" });
const rds = () => new RDSClient({ region: REGION });
const CLUSTER = "dev-bak-pocket-aurora";
const cluster = async () =>
  (await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: CLUSTER }))).DBClusters![0]!;
let dir: string;
// The cluster alone (after its VPC): the container stack is not what these tests are about.
const deploy = () =>
  record(() => pocket(["resource", "rds", "deploy", "--stage", "dev"], { cwd: dir, env: env() }));
const changes = (ops: string[]) => mutating(ops).filter((o) => o !== "PutObject" && o !== "DeleteObject");

beforeAll(async () => {
  await freshMoto();
  dir = project(TOML(14), "bak");
  const vpc = pocket(["resource", "vpc", "deploy", "--stage", "dev"], { cwd: dir, env: env() });
  expect(vpc.status, vpc.stderr).toBe(0);
});

describe("[rds] backups against moto", () => {
  it("creates the cluster with the retention and window of the configuration", async () => {
    const { result: r } = await deploy();
    expect(r.status, r.stderr).toBe(0);
    const c = await cluster();
    expect(c.BackupRetentionPeriod).toBe(14);
    expect(c.PreferredBackupWindow).toBe("18:00-18:30");
  });

  it("changes nothing on a second deploy, and only the retention when it changes", async () => {
    const same = await deploy();
    expect(same.result.status, same.result.stderr).toBe(0);
    expect(changes(same.operations)).toEqual([]);
    writeFileSync(join(dir, "pocket.toml"), TOML(21));
    const status = pocket(["resource", "rds", "status", "--stage", "dev"], { cwd: dir, env: env() });
    expect(status.stdout + status.stderr).toMatch(/needs.update/);
    const changed = await deploy();
    expect(changed.result.status, changed.result.stderr).toBe(0);
    expect(changes(changed.operations)).toEqual(["ModifyDBCluster"]);
    const body = changed.bodies[changed.operations.indexOf("ModifyDBCluster")]!;
    expect(body).toContain("BackupRetentionPeriod=21");
    expect(body).not.toContain("PreferredBackupWindow");
    expect((await cluster()).BackupRetentionPeriod).toBe(21);
  });

  it("takes a manual snapshot and waits until it is available", async () => {
    const r = pocket(["resource", "rds", "snapshot", "--stage", "dev"], { cwd: dir, env: env() });
    expect(r.status, r.stderr).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^dev-bak-pocket-aurora-manual-\d{8}-\d{6}$/);
    expect(r.stderr).toContain(`snapshot ${id} is available`);
    const snap = (
      await rds().send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }))
    ).DBClusterSnapshots![0]!;
    expect(snap.DBClusterIdentifier).toBe(CLUSTER);
    expect(snap.Status).toBe("available");
  });

  it("names snapshots after the cluster and the time", () => {
    expect(snapshotIdentifier("dev-x-pocket-aurora", new Date("2026-03-01T04:30:05Z"))).toBe(
      "dev-x-pocket-aurora-manual-20260301-043005",
    );
  });

  it("says so when there is no cluster", async () => {
    const other = project(TOML(7).replace('project_name = "bak"', 'project_name = "none"'), "none");
    const r = pocket(["resource", "rds", "snapshot", "--stage", "dev"], { cwd: other, env: env() });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the Aurora cluster dev-none-pocket-aurora does not exist");
  });
});

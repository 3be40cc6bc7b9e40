import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BackupClient,
  DescribeBackupVaultCommand,
  GetBackupPlanCommand,
  GetBackupSelectionCommand,
  ListBackupPlansCommand,
  ListBackupSelectionsCommand,
  ListRecoveryPointsByResourceCommand,
  StartBackupJobCommand,
} from "@aws-sdk/client-backup";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { DescribeDBClustersCommand, RDSClient } from "@aws-sdk/client-rds";
import { beforeAll, describe, expect, it } from "vitest";
import { pocketAsync, project } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { ACCOUNT, deniedCalls, stagePolicy } from "./allowed-calls.js";
import { freshMoto, mainContainer, REGION, rdsStage, stackExists } from "./harness.js";
import { mutating, record, recordedSteps } from "./recorder.js";

// The original's current example ("backup"): [backup.rds] with the weekly tier moved to
// Saturdays, in Tokyo time, beside the managed cluster it backs up.
const toml = (deletable: boolean) => `${rdsStage(
  "shop",
  "main",
  [],
  mainContainer({ permissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/dev-shop-pocket-boundary` }),
)}
[backup]
deletable = ${deletable}
timezone = "Asia/Tokyo"

[backup.rds]
[backup.rds.weekly]
cron = "0 4 ? * 7 *"
`;

const env = () => ({ ...motoEnv(REGION), POCKET_RDS_POLL_MS: "10" });
const backup = () => new BackupClient({ region: REGION });
let dir: string;
let image: string;
const { requests, step } = recordedSteps((args) => pocketAsync(args, { cwd: dir, env: env() }));
const run = (args: string[]) => pocketAsync(args, { cwd: dir, env: env() });

const clusterArn = async () =>
  (
    await new RDSClient({ region: REGION }).send(
      new DescribeDBClustersCommand({ DBClusterIdentifier: "dev-shop-pocket-aurora" }),
    )
  ).DBClusters![0]!.DBClusterArn!;
const plans = async () =>
  ((await backup().send(new ListBackupPlansCommand({}))).BackupPlansList ?? []).map((p) => p.BackupPlanName);
const points = async () =>
  (await backup().send(new ListRecoveryPointsByResourceCommand({ ResourceArn: await clusterArn() })))
    .RecoveryPoints ?? [];
/** What the plan's weekly job would leave (moto runs no schedule: test/moto/server.py). */
const backupJob = async () =>
  backup().send(
    new StartBackupJobCommand({
      BackupVaultName: "pocket-backup",
      ResourceArn: await clusterArn(),
      IamRoleArn: `arn:aws:iam::${ACCOUNT}:role/dev-shop-pocket-backup`,
    }),
  );

beforeAll(async () => {
  await freshMoto();
  image = await putTestImage("dev-shop-pocket-main-lambda", "dev", REGION);
  dir = project(toml(false), "shop");
});

describe("[backup.rds] against moto", () => {
  it("makes the vault, the plan with its tiers in the time zone, and the selection of the cluster", async () => {
    const r = await step("deploy", ["deploy", "--stage", "dev", "--image", image]);
    expect(r.status, r.stderr).toBe(0);
    await backup().send(new DescribeBackupVaultCommand({ BackupVaultName: "pocket-backup" }));
    const listed = (await backup().send(new ListBackupPlansCommand({}))).BackupPlansList!;
    expect(listed.map((p) => p.BackupPlanName)).toEqual(["dev-shop-pocket-backup-rds"]);
    const planId = listed[0]!.BackupPlanId!;
    const plan = (await backup().send(new GetBackupPlanCommand({ BackupPlanId: planId }))).BackupPlan!;
    expect(
      plan.Rules!.map((x) => [
        x.RuleName,
        x.ScheduleExpression,
        x.ScheduleExpressionTimezone,
        x.TargetBackupVaultName,
        x.Lifecycle?.DeleteAfterDays,
      ]),
    ).toEqual([
      ["weekly", "cron(0 4 ? * 7 *)", "Asia/Tokyo", "pocket-backup", 365],
      ["monthly", "cron(0 5 1 * ? *)", "Asia/Tokyo", "pocket-backup", 1095],
    ]);
    const [sel] = (await backup().send(new ListBackupSelectionsCommand({ BackupPlanId: planId })))
      .BackupSelectionsList!;
    const selection = await backup().send(
      new GetBackupSelectionCommand({ BackupPlanId: planId, SelectionId: sel!.SelectionId! }),
    );
    expect(selection.BackupSelection).toMatchObject({
      SelectionName: "dev-shop-pocket-backup-rds",
      IamRoleArn: `arn:aws:iam::${ACCOUNT}:role/dev-shop-pocket-backup`,
      Resources: [await clusterArn()],
    });
    const role = await new IAMClient({ region: REGION }).send(
      new GetRoleCommand({ RoleName: "dev-shop-pocket-backup" }),
    );
    expect(role.Role?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(
      `arn:aws:iam::${ACCOUNT}:policy/dev-shop-pocket-boundary`,
    );
  });

  it("changes nothing on a second deploy", async () => {
    const again = await record(() => run(["deploy", "--stage", "dev", "--image", image]));
    expect(again.result.status, again.result.stderr).toBe(0);
    expect(mutating(again.operations)).toEqual(["PutObject", "DeleteObject"]);
    const status = await run(["status", "--stage", "dev"]);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout + status.stderr).toMatch(/backup plans stack dev-shop-backup.*in sync/);
  });

  it("pocket backup cleanup deletes the recovery points only with deletable = true, once confirmed", async () => {
    await backupJob();
    const refused = await run(["backup", "cleanup", "--stage", "dev", "--yes"]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain("not deletable");
    expect(refused.stderr).toContain("deletable = true");
    expect(await points()).toHaveLength(1);

    writeFileSync(join(dir, "pocket.toml"), toml(true));
    const unasked = await run(["backup", "cleanup", "--stage", "dev"]);
    expect(unasked.status).not.toBe(0);
    expect(unasked.stderr).toContain("nothing was deleted");
    expect(await points()).toHaveLength(1);

    const done = await step("cleanup", ["backup", "cleanup", "--stage", "dev", "--yes"]);
    expect(done.stderr).toContain("Deleted 1 recovery point(s) (1 of Aurora cluster dev-shop-pocket-aurora)");
    expect(await points()).toEqual([]);
  });

  it("destroy keeps the plans with the cluster; --with-data deletes them and keeps the recovery points", async () => {
    const kept = await step("destroy", ["destroy", "--stage", "dev", "--yes"]);
    expect(kept.stderr).toContain("backup plans stack dev-shop-backup: kept");
    expect(await plans()).toEqual(["dev-shop-pocket-backup-rds"]);

    await backupJob();
    const gone = await step("destroy-data", ["destroy", "--stage", "dev", "--yes", "--with-data"]);
    expect(gone.stderr).toContain(
      "1 recovery point(s) of Aurora cluster dev-shop-pocket-aurora kept in pocket-backup",
    );
    expect(await stackExists("dev-shop-backup", REGION)).toBe(false);
    expect(await plans()).toEqual([]);
    await backup().send(new DescribeBackupVaultCommand({ BackupVaultName: "pocket-backup" }));
  });

  it("every call made was allowed by pocket permissions", () => {
    const policy = stagePolicy(dir);
    expect(deniedCalls(policy, requests)).toEqual([]);
  });
});

import {
  BackupClient,
  DescribeBackupJobCommand,
  GetBackupPlanCommand,
  GetBackupSelectionCommand,
  ListBackupPlansCommand,
  ListBackupSelectionsCommand,
} from "@aws-sdk/client-backup";
import { DSQLClient, ListClustersCommand } from "@aws-sdk/client-dsql";
import { beforeAll, describe, expect, it } from "vitest";
import { pocketAsync, project } from "../cli/run.js";
import { motoEnv, putTestImage } from "../moto/moto.js";
import { ACCOUNT, deniedCalls, stagePolicy } from "./allowed-calls.js";
import { freshMoto, general, mainContainer, REGION, stackExists } from "./harness.js";
import { expectNoChangeDeploy, recordedSteps } from "./recorder.js";

// The original's current example ("backup"): [backup.dsql] in one line, the monthly tier kept
// five years, beside the [dsql] cluster it backs up.
const TOML = `${general("shop")}
[dsql]

[backup.dsql]
[backup.dsql.monthly]
delete_after_days = 1825

${mainContainer({ permissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/dev-shop-pocket-boundary` })}`;

let dir: string;
let image: string;
const run = (args: string[]) =>
  pocketAsync(args, { cwd: dir, env: { ...motoEnv(REGION), POCKET_RDS_POLL_MS: "10" } });
const { requests, step } = recordedSteps(run);
const backup = () => new BackupClient({ region: REGION });
const plans = async () => (await backup().send(new ListBackupPlansCommand({}))).BackupPlansList ?? [];

beforeAll(async () => {
  await freshMoto();
  image = await putTestImage("dev-shop-pocket-main-lambda", "dev", REGION);
  dir = project(TOML, "shop");
});

describe("[backup.dsql] against moto", () => {
  it("plans daily, weekly and monthly backups of the stage's DSQL cluster, cold after 90 days, and no longer warns", async () => {
    const r = await step("deploy", ["deploy", "--stage", "dev", "--image", image]);
    expect(r.stderr).not.toContain("declares no [backup.dsql]");
    const [plan] = await plans();
    expect(plan?.BackupPlanName).toBe("dev-shop-pocket-backup-dsql");
    const rules = (await backup().send(new GetBackupPlanCommand({ BackupPlanId: plan!.BackupPlanId! })))
      .BackupPlan!.Rules!;
    expect(
      rules.map((x) => [
        x.RuleName,
        x.ScheduleExpression,
        x.Lifecycle?.DeleteAfterDays,
        x.Lifecycle?.MoveToColdStorageAfterDays,
      ]),
    ).toEqual([
      ["daily", "cron(0 3 * * ? *)", 35, undefined],
      ["weekly", "cron(0 4 ? * 1 *)", 365, 90],
      ["monthly", "cron(0 5 1 * ? *)", 1825, 90],
    ]);
    const [sel] = (
      await backup().send(new ListBackupSelectionsCommand({ BackupPlanId: plan!.BackupPlanId! }))
    ).BackupSelectionsList!;
    const selection = await backup().send(
      new GetBackupSelectionCommand({ BackupPlanId: plan!.BackupPlanId!, SelectionId: sel!.SelectionId! }),
    );
    const [cluster] = (await new DSQLClient({ region: REGION }).send(new ListClustersCommand({}))).clusters!;
    expect(selection.BackupSelection).toMatchObject({
      SelectionName: "dev-shop-pocket-backup-dsql",
      Resources: [cluster!.arn],
    });
  });

  it("pocket resource dsql backup starts a job with the plan's vault, role and monthly retention; backup-status follows it", async () => {
    const r = await step("backup", ["resource", "dsql", "backup", "--stage", "dev", "--watch"]);
    expect(r.stderr).toContain("Retention: 1825 days (from [backup.dsql] monthly)");
    const id = r.stdout.split("\n")[0]!;
    const job = await backup().send(new DescribeBackupJobCommand({ BackupJobId: id }));
    const [cluster] = (await new DSQLClient({ region: REGION }).send(new ListClustersCommand({}))).clusters!;
    expect(job).toMatchObject({
      BackupVaultName: "pocket-backup",
      ResourceArn: cluster!.arn,
      IamRoleArn: `arn:aws:iam::${ACCOUNT}:role/dev-shop-pocket-backup`,
    });
    expect(r.stdout).toContain(`${id}: COMPLETED`);

    const forever = await step("backup-0", [
      "resource",
      "dsql",
      "backup",
      "--stage",
      "dev",
      "--retention-days",
      "0",
    ]);
    expect(forever.stderr).toContain("never expires");
    const status = await step("backup-status", ["resource", "dsql", "backup-status", "--stage", "dev"]);
    expect(status.stdout).toMatch(/: COMPLETED/);
    const bad = await run(["resource", "dsql", "backup", "--stage", "dev", "--retention-days", "-3"]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("--retention-days -3");
  });

  it("changes nothing on a second deploy", async () => {
    await expectNoChangeDeploy(() => run(["deploy", "--stage", "dev", "--image", image]));
  });

  it("destroy keeps the plans with the cluster; --with-data deletes both", async () => {
    const kept = await step("destroy", ["destroy", "--stage", "dev", "--yes"]);
    expect(kept.stderr).toContain("backup plans stack dev-shop-backup: kept");
    expect(await plans()).toHaveLength(1);
    await step("destroy-data", ["destroy", "--stage", "dev", "--yes", "--with-data"]);
    expect(await stackExists("dev-shop-backup", REGION)).toBe(false);
    expect(await plans()).toEqual([]);
    expect((await new DSQLClient({ region: REGION }).send(new ListClustersCommand({}))).clusters).toEqual([]);
  });

  it("every call made was allowed by pocket permissions", () => {
    expect(deniedCalls(stagePolicy(dir), requests)).toEqual([]);
  });
});

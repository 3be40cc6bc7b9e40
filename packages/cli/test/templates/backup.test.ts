import { describe, expect, it } from "vitest";
import { stageBoundary } from "../../src/commands/permissions/boundary.js";
import { backupTemplate } from "../../src/templates/backup.js";
import { cfnLint, lintErrors } from "./cfn-lint.js";
import { loadInline } from "./context.js";

/* `[backup.rds]` (issue 27): the plan, its selection and the role AWS Backup uses. */
const STAGE = (backup: string) => `
[general]
region = "ap-northeast-1"
project_name = "myapp"
stages = ["dev", "prd"]

[vpc]
ref = "main"
zone_suffixes = ["a", "c"]

[rds]

[container.main]
dockerfile_path = "Dockerfile"

[container.main.iam]
permissions_boundary = "arn:aws:iam::123456789012:policy/myapp-boundary"

${backup}
`;

const context = (toml: string, stage = "dev") => loadInline(toml, stage).context;

describe("the [backup] template", () => {
  const dev = backupTemplate(context(STAGE("[backup.rds]\n")));
  const prd = backupTemplate(
    context(
      STAGE(
        '[backup]\ntimezone = "Asia/Tokyo"\n[backup.rds]\n[prd.backup.rds.monthly]\ndelete_after_days = 1825\n',
      ),
      "prd",
    ),
  );

  it("passes cfn-lint", () => {
    for (const [name, matches] of cfnLint({ dev, prd })) expect(lintErrors(matches), name).toEqual([]);
  });

  it("plans the weekly and monthly tiers into pocket-backup, in the configured zone", () => {
    const rules = (prd.Resources.RdsBackupPlan!.Properties!.BackupPlan as { BackupPlanRule: unknown[] })
      .BackupPlanRule;
    expect(rules).toEqual([
      {
        RuleName: "weekly",
        TargetBackupVault: "pocket-backup",
        ScheduleExpression: "cron(0 4 ? * 1 *)",
        ScheduleExpressionTimezone: "Asia/Tokyo",
        Lifecycle: { DeleteAfterDays: 365 },
      },
      {
        RuleName: "monthly",
        TargetBackupVault: "pocket-backup",
        ScheduleExpression: "cron(0 5 1 * ? *)",
        ScheduleExpressionTimezone: "Asia/Tokyo",
        Lifecycle: { DeleteAfterDays: 1825 },
      },
    ]);
    expect(dev.Resources.RdsBackupSelection!.Properties!.BackupSelection).toMatchObject({
      SelectionName: "dev-myapp-pocket-backup-rds",
      Resources: [
        {
          "Fn::Sub":
            "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:dev-myapp-pocket-aurora",
        },
      ],
    });
  });

  it("gives AWS Backup's role the stage's cluster and its own snapshots only, within the boundary", () => {
    const role = dev.Resources.BackupRole!.Properties!;
    expect(role.PermissionsBoundary).toBe("arn:aws:iam::123456789012:policy/myapp-boundary");
    const text = JSON.stringify(role.Policies);
    expect(text).not.toContain('"*"');
    expect(text).toContain("cluster:dev-myapp-pocket-aurora");
    expect(text).toContain("cluster-snapshot:awsbackup:*");
    // The stage's boundary holds what the role is given, so the role keeps it.
    const boundary = JSON.stringify(
      stageBoundary(context(STAGE("[backup.rds]\n")), [{ region: "ap-northeast-1", template: dev }]),
    );
    expect(boundary).toContain("rds:CreateDBClusterSnapshot");
  });

  describe("[backup.dsql]", () => {
    const both = backupTemplate(context(STAGE("[dsql]\n[backup.rds]\n[backup.dsql]\n")));
    const resources = both.Resources as Record<string, { Properties: Record<string, unknown> }>;

    it("plans DSQL's three tiers with cold storage, selecting the cluster the deploy names", () => {
      const plan = resources.DsqlBackupPlan!.Properties.BackupPlan as {
        BackupPlanName: string;
        BackupPlanRule: { RuleName: string; Lifecycle: Record<string, number> }[];
      };
      expect(plan.BackupPlanName).toBe("dev-myapp-pocket-backup-dsql");
      expect(plan.BackupPlanRule.map((r) => [r.RuleName, r.Lifecycle])).toEqual([
        ["daily", { DeleteAfterDays: 35 }],
        ["weekly", { DeleteAfterDays: 365, MoveToColdStorageAfterDays: 90 }],
        ["monthly", { DeleteAfterDays: 1095, MoveToColdStorageAfterDays: 90 }],
      ]);
      expect(resources.DsqlBackupSelection!.Properties.BackupSelection).toMatchObject({
        SelectionName: "dev-myapp-pocket-backup-dsql",
        Resources: [{ Ref: "DsqlClusterArn" }],
      });
      expect(Object.keys(both.Parameters ?? {})).toEqual(["DsqlClusterArn"]);
      expect(Object.keys(dev.Parameters ?? {})).toEqual([]);
    });

    it("lets AWS Backup run DSQL's backup jobs on that cluster only", () => {
      const role = resources.BackupRole!.Properties as {
        Policies: { PolicyDocument: { Statement: { Sid: string; Resource: unknown }[] } }[];
      };
      const dsql = role.Policies[0]!.PolicyDocument.Statement.find((x) => x.Sid === "BackUpTheDsqlCluster");
      expect(dsql?.Resource).toEqual([{ Ref: "DsqlClusterArn" }]);
    });

    it("is cfn-lint clean", () => {
      for (const [name, matches] of cfnLint({ both })) expect(lintErrors(matches), name).toEqual([]);
    });
  });
});

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
});

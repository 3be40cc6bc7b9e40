import { describe, expect, it } from "vitest";
import { context, GENERAL, problems } from "./helpers.js";

// The original's current examples ("backup"), with the VPC, cluster and container they need.
const HEAD = (backup: string, rds = "[rds]\n") => `${GENERAL}
[vpc]
ref = "main"
zone_suffixes = ["a", "c"]

${rds}
[container.main]
dockerfile_path = "Dockerfile"

${backup}
`;

const paths = (source: string) => problems(source).map((d) => [d.code, d.path]);

describe("[backup] (AWS Backup plans)", () => {
  it("[backup.rds] alone gives the weekly and monthly tiers in UTC, into pocket-backup", () => {
    const ctx = context(HEAD("[backup.rds]\n"));
    expect(ctx.backup).toEqual({
      stackName: "dev-testprj-backup",
      region: "ap-northeast-1",
      vaultName: "pocket-backup",
      roleName: "dev-testprj-pocket-backup",
      deletable: false,
      timezone: "UTC",
      rds: {
        planName: "dev-testprj-pocket-backup-rds",
        selectionName: "dev-testprj-pocket-backup-rds",
        clusterIdentifier: "dev-testprj-pocket-aurora",
        rules: [
          { name: "weekly", cron: "0 4 ? * 1 *", deleteAfterDays: 365 },
          { name: "monthly", cron: "0 5 1 * ? *", deleteAfterDays: 1095 },
        ],
      },
    });
  });

  it("takes the tier, time zone and deletable overrides", () => {
    const ctx = context(
      HEAD(
        '[backup]\ndeletable = true\ntimezone = "Asia/Tokyo"\n\n[backup.rds]\n[backup.rds.weekly]\ncron = "0 4 ? * 7 *"\n[backup.rds.monthly]\ndelete_after_days = 1825\n',
      ),
    );
    expect(ctx.backup).toMatchObject({
      deletable: true,
      timezone: "Asia/Tokyo",
      rds: {
        rules: [
          { name: "weekly", cron: "0 4 ? * 7 *", deleteAfterDays: 365 },
          { name: "monthly", cron: "0 5 1 * ? *", deleteAfterDays: 1825 },
        ],
      },
    });
  });

  it.each([
    ["[backup]\ndeletable = true\n", "[rds]\n", [["backup-no-engine", "backup"]]],
    ["[backup.rds]\n", "", [["backup-rds-missing", "backup.rds"]]],
    ["[backup.rds.daily]\ndelete_after_days = 7\n", "[rds]\n", [["backup-rds-daily", "backup.rds.daily"]]],
    [
      "[backup.rds.weekly]\ncold_storage_after_days = 90\n",
      "[rds]\n",
      [["backup-rds-cold-storage", "backup.rds.weekly.cold_storage_after_days"]],
    ],
    ["[backup.dsql]\n", "[rds]\n", [["backup-dsql-missing", "backup.dsql"]]],
    [
      "[backup.dsql.weekly]\ndelete_after_days = 100\n",
      "[dsql]\n",
      [["backup-cold-storage-minimum", "backup.dsql.weekly.delete_after_days"]],
    ],
    [
      "[backup.dsql.daily]\ncold_storage_after_days = 35\ndelete_after_days = 124\n",
      "[dsql]\n",
      [["backup-cold-storage-minimum", "backup.dsql.daily.delete_after_days"]],
    ],
    [
      '[backup]\ntimezone = "Mars/Olympus"\n[backup.rds]\n',
      "[rds]\n",
      [["invalid-value", "backup.timezone"]],
    ],
  ])("refuses what the original refuses: %s", (backup, rds, expected) => {
    const got = paths(HEAD(backup, rds));
    expect(
      got.map(([code, path]) => [
        code === "invalid_format" || code === "custom" ? "invalid-value" : code,
        path,
      ]),
    ).toEqual(expected);
  });

  it("refuses a project whose backup selection name would pass AWS Backup's 50 characters", () => {
    const long = HEAD("[backup.rds]\n").replace(
      'project_name = "testprj"',
      `project_name = "${"p".repeat(30)}"`,
    );
    expect(paths(long)).toEqual([["name-too-long", "backup.rds"]]);
  });

  it("refuses [backup.rds] on an existing cluster (managed = false)", () => {
    const existing = `[rds]
managed = false
secret_arn = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db"
security_group_id = "sg-0123456789abcdef0"
`;
    expect(paths(HEAD("[backup.rds]\n", existing))).toEqual([["backup-rds-missing", "backup.rds"]]);
  });

  it("[backup.dsql] alone gives the original's GFS tiers of the DSQL cluster (daily, weekly and monthly, cold after 90 days)", () => {
    const ctx = context(HEAD("[backup.dsql]\n", "[dsql]\n"));
    expect(ctx.backup?.rds).toBeUndefined();
    expect(ctx.backup?.dsql).toEqual({
      planName: "dev-testprj-pocket-backup-dsql",
      selectionName: "dev-testprj-pocket-backup-dsql",
      rules: [
        { name: "daily", cron: "0 3 * * ? *", deleteAfterDays: 35, coldStorageAfterDays: 0 },
        { name: "weekly", cron: "0 4 ? * 1 *", deleteAfterDays: 365, coldStorageAfterDays: 90 },
        { name: "monthly", cron: "0 5 1 * ? *", deleteAfterDays: 1095, coldStorageAfterDays: 90 },
      ],
    });
  });

  it("each DSQL tier takes cron, delete_after_days and cold_storage_after_days; 0 lets a tier be short", () => {
    // The original's sandbox example: short-lived tiers, none moved to cold storage.
    const sandbox = `[backup.dsql]
[backup.dsql.daily]
delete_after_days = 7
[backup.dsql.weekly]
cold_storage_after_days = 0
delete_after_days = 14
[backup.dsql.monthly]
cold_storage_after_days = 0
delete_after_days = 1825
cron = "0 6 1 * ? *"
`;
    const rules = context(HEAD(sandbox, "[dsql]\n")).backup?.dsql?.rules;
    expect(rules?.map((r) => [r.name, r.cron, r.deleteAfterDays, r.coldStorageAfterDays])).toEqual([
      ["daily", "0 3 * * ? *", 7, 0],
      ["weekly", "0 4 ? * 1 *", 14, 0],
      ["monthly", "0 6 1 * ? *", 1825, 0],
    ]);
  });
});

import { A, type Grant, type KindPermissions, P } from "../permissions.js";

/**
 * `[backup]` (docs/decisions.md#b9-aws-backup-plans): the plans stack's types, the vault pocket
 * makes by API (with what creating a vault takes), the recovery points `pocket backup cleanup`
 * lists and (with deletable = true only) deletes, and the role passed to AWS Backup.
 */
export const backupPermissions: KindPermissions = {
  stackTypes: [
    {
      group: "Backup",
      types: {
        "AWS::Backup::BackupPlan": [
          "backup:CreateBackupPlan",
          "backup:GetBackupPlan",
          "backup:UpdateBackupPlan",
          "backup:DeleteBackupPlan",
          "backup:TagResource",
          "backup:UntagResource",
          "backup:ListTags",
        ],
        "AWS::Backup::BackupSelection": [
          "backup:CreateBackupSelection",
          "backup:GetBackupSelection",
          "backup:DeleteBackupSelection",
        ],
      },
      reason: "a backup plan's ARN holds an id AWS chooses at creation, and a selection is named under it",
      grantedApart: ["iam:PassRole"],
    },
  ],
  forStage: (ctx) => {
    const b = ctx.backup;
    if (!b) return {};
    const vault = `arn:${P}:backup:${b.region}:${A}:backup-vault:${b.vaultName}`;
    const calls: Grant[] = [
      {
        sid: "BackupVault",
        part: "database",
        actions: ["backup:DescribeBackupVault", "backup:CreateBackupVault"],
        resources: [vault],
      },
      {
        sid: "BackupVaultStorage",
        part: "database",
        actions: ["backup-storage:MountCapsule"],
        resources: "*",
        reason: "CreateBackupVault requires it, and it takes no resource",
      },
      {
        sid: "BackupVaultKey",
        part: "database",
        actions: [
          "kms:CreateGrant",
          "kms:Decrypt",
          "kms:DescribeKey",
          "kms:GenerateDataKey",
          "kms:RetireGrant",
        ],
        resources: "*",
        reason:
          "CreateBackupVault ties the vault to the AWS managed key aws/backup, whose id AWS chooses; the condition limits these calls to AWS Backup's use of it",
        condition: { StringEquals: { "kms:ViaService": `backup.${b.region}.amazonaws.com` } },
      },
      {
        sid: "ListRecoveryPoints",
        part: "database",
        actions: ["backup:ListRecoveryPointsByResource"],
        resources: "*",
        reason: "ListRecoveryPointsByResource takes no resource in IAM",
      },
    ];
    if (b.deletable) {
      calls.push({
        sid: "DeleteRecoveryPoints",
        part: "database",
        actions: ["backup:DeleteRecoveryPoint", "rds:DeleteDBClusterSnapshot"],
        resources: [
          `arn:${P}:backup:${b.region}:${A}:recovery-point:*`,
          `arn:${P}:rds:${b.region}:${A}:cluster-snapshot:awsbackup:*`,
        ],
        reason:
          "a recovery point's id is chosen by AWS Backup; `pocket backup cleanup` deletes only those of the stage's cluster, listed by its ARN",
      });
    }
    return {
      stacks: [{ name: b.stackName, region: b.region }],
      calls,
      roles: [{ sid: "PassBackupRole", names: [b.roleName], service: "backup.amazonaws.com" }],
    };
  },
};

import type { BackupContext, BackupPlanContext, PocketContext } from "@magic-pocket/config";
import { permissionsBoundaryArn } from "./container/iam.js";
import { cfn, type Json, type Template, type TemplateResource } from "./template.js";

/**
 * `[backup]`: the stage's AWS Backup plans in the stack `{slug}-backup`
 * (docs/decisions.md#b9-aws-backup-plans): per engine a plan (its rules, read in the configured
 * time zone, into the account's vault `pocket-backup`) and a selection naming the stage's
 * database, and the role AWS Backup takes the snapshots with. The vault is not in the stack: it
 * holds the recovery points and is shared by the account's stages, so pocket creates it by API
 * and never deletes it.
 */
export function backupTemplate(ctx: PocketContext): Template {
  const b = ctx.backup;
  if (!b) throw new Error("backupTemplate needs [backup]");
  const resources: Record<string, TemplateResource> = {
    BackupRole: backupRole(ctx, b),
  };
  if (b.rds) {
    resources.RdsBackupPlan = plan(b, b.rds);
    resources.RdsBackupSelection = selection(
      b.rds,
      "RdsBackupPlan",
      cfn.sub(
        `arn:\${AWS::Partition}:rds:\${AWS::Region}:\${AWS::AccountId}:cluster:${b.rds.clusterIdentifier}`,
      ),
    );
  }
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `pocket: AWS Backup plans of ${ctx.slug}`,
    Resources: resources,
    Outputs: b.rds
      ? { RdsBackupPlanId: { Description: "The Aurora backup plan", Value: cfn.ref("RdsBackupPlan") } }
      : {},
  };
}

function plan(b: BackupContext, p: BackupPlanContext): TemplateResource {
  return {
    Type: "AWS::Backup::BackupPlan",
    Properties: {
      BackupPlan: {
        BackupPlanName: p.planName,
        BackupPlanRule: p.rules.map((r) => ({
          RuleName: r.name,
          TargetBackupVault: b.vaultName,
          ScheduleExpression: `cron(${r.cron})`,
          ScheduleExpressionTimezone: b.timezone,
          Lifecycle: { DeleteAfterDays: r.deleteAfterDays },
        })),
      },
    },
  };
}

function selection(p: BackupPlanContext, planId: string, resource: Json): TemplateResource {
  return {
    Type: "AWS::Backup::BackupSelection",
    Properties: {
      BackupPlanId: cfn.ref(planId),
      BackupSelection: {
        SelectionName: p.selectionName,
        IamRoleArn: cfn.getAtt("BackupRole", "Arn"),
        Resources: [resource],
      },
    },
  };
}

/**
 * What AWS Backup does with the role: snapshot the stage's cluster, tag and list its snapshots,
 * and delete those it made (`awsbackup:` snapshots) when their lifecycle ends. Nothing else of
 * RDS, and only the stage's cluster (docs/decisions.md#p6-least-privilege-iam).
 */
function backupRole(ctx: PocketContext, b: BackupContext): TemplateResource {
  const cluster = b.rds?.clusterIdentifier;
  const rds = (kind: string) =>
    cfn.sub(`arn:\${AWS::Partition}:rds:\${AWS::Region}:\${AWS::AccountId}:${kind}`);
  const statements: Json[] = cluster
    ? [
        {
          Sid: "SnapshotTheCluster",
          Effect: "Allow",
          Action: [
            "rds:CreateDBClusterSnapshot",
            "rds:DescribeDBClusters",
            "rds:DescribeDBClusterSnapshots",
            "rds:AddTagsToResource",
            "rds:ListTagsForResource",
          ],
          Resource: [rds(`cluster:${cluster}`), rds("cluster-snapshot:awsbackup:*")],
        },
        {
          Sid: "ExpireItsSnapshots",
          Effect: "Allow",
          Action: ["rds:DeleteDBClusterSnapshot", "rds:DescribeDBClusterSnapshots"],
          Resource: [rds("cluster-snapshot:awsbackup:*")],
        },
      ]
    : [];
  const boundary = ctx.container?.permissionsBoundary;
  return {
    Type: "AWS::IAM::Role",
    Properties: {
      RoleName: b.roleName,
      AssumeRolePolicyDocument: {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      },
      ...(boundary ? { PermissionsBoundary: permissionsBoundaryArn(boundary) } : {}),
      Policies: [
        {
          PolicyName: `${b.roleName}-policy`,
          PolicyDocument: { Version: "2012-10-17", Statement: statements },
        },
      ],
    },
  };
}

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
  if (b.dsql) {
    resources.DsqlBackupPlan = plan(b, b.dsql);
    resources.DsqlBackupSelection = selection(b.dsql, "DsqlBackupPlan", cfn.ref(DSQL_CLUSTER_ARN));
  }
  const outputs: Template["Outputs"] = {};
  if (b.rds)
    outputs.RdsBackupPlanId = { Description: "The Aurora backup plan", Value: cfn.ref("RdsBackupPlan") };
  if (b.dsql)
    outputs.DsqlBackupPlanId = { Description: "The DSQL backup plan", Value: cfn.ref("DsqlBackupPlan") };
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `pocket: AWS Backup plans of ${ctx.slug}`,
    ...(b.dsql
      ? {
          Parameters: {
            [DSQL_CLUSTER_ARN]: {
              Type: "String",
              Description: "ARN of the stage's Aurora DSQL cluster (AWS chooses its id; the deploy reads it)",
            },
          },
        }
      : {}),
    Resources: resources,
    Outputs: outputs,
  };
}

/** The stack parameter naming the DSQL cluster the plan backs up. */
export const DSQL_CLUSTER_ARN = "DsqlClusterArn";

function plan(b: BackupContext, p: Pick<BackupPlanContext, "planName" | "rules">): TemplateResource {
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
          Lifecycle: {
            DeleteAfterDays: r.deleteAfterDays,
            // DSQL's tiers only; 0 (or none) keeps the backups warm.
            ...(r.coldStorageAfterDays ? { MoveToColdStorageAfterDays: r.coldStorageAfterDays } : {}),
          },
        })),
      },
    },
  };
}

function selection(
  p: Pick<BackupPlanContext, "selectionName">,
  planId: string,
  resource: Json,
): TemplateResource {
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
 * What AWS Backup does with the role: snapshot the stage's Aurora cluster, tag and list its
 * snapshots, and delete those it made (`awsbackup:` snapshots) when their lifecycle ends; back up
 * the stage's DSQL cluster. Nothing else, and only the stage's clusters
 * (docs/decisions.md#p6-least-privilege-iam).
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
  if (b.dsql) {
    // AWS Backup backs up a DSQL cluster through DSQL's own backup jobs, on that cluster only.
    statements.push({
      Sid: "BackUpTheDsqlCluster",
      Effect: "Allow",
      Action: [
        "dsql:GetCluster",
        "dsql:ListTagsForResource",
        "dsql:StartBackupJob",
        "dsql:GetBackupJob",
        "dsql:StopBackupJob",
      ],
      Resource: [cfn.ref(DSQL_CLUSTER_ARN)],
    });
  }
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

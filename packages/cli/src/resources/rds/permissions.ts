import type { ExistingRdsContext, RdsContext } from "@magic-pocket/config";
import { A, type Grant, type KindPermissions, P, type StagePermissions } from "../permissions.js";

/** pocket makes the Aurora cluster itself (not a stack): its calls, its master secret and its network. */
export const rdsPermissions: KindPermissions = {
  forStage: (ctx): StagePermissions => {
    if (ctx.rdsExisting) return existingRdsPermissions(ctx.rdsExisting);
    const r = ctx.rds;
    if (!r) return {};
    return {
      calls: [
        {
          sid: "StageDatabase",
          part: "database",
          actions: [
            "rds:CreateDBCluster",
            "rds:CreateDBInstance",
            "rds:CreateDBSubnetGroup",
            "rds:ModifyDBCluster",
            "rds:DeleteDBCluster",
            "rds:DeleteDBInstance",
            "rds:DeleteDBSubnetGroup",
            "rds:DescribeDBClusters",
            "rds:DescribeDBInstances",
            "rds:DescribeDBSubnetGroups",
            "rds:DescribeDBClusterSnapshots",
            "rds:CreateDBClusterSnapshot",
            "rds:AddTagsToResource",
            "rds:ListTagsForResource",
          ],
          resources: [
            `arn:${P}:rds:${r.region}:${A}:cluster:${r.clusterIdentifier}`,
            `arn:${P}:rds:${r.region}:${A}:db:${r.instanceIdentifier}`,
            `arn:${P}:rds:${r.region}:${A}:subgrp:${r.subnetGroupName}`,
            `arn:${P}:rds:${r.region}:${A}:cluster-snapshot:${r.finalSnapshotPrefix}*`,
            `arn:${P}:rds:${r.region}:${A}:cluster-snapshot:${r.clusterIdentifier}-*`,
          ],
        },
        ...(r.snapshotIdentifier ? [restorePermission(r)] : []),
        {
          sid: "DatabaseMasterSecret",
          part: "database",
          actions: [
            "secretsmanager:CreateSecret",
            "secretsmanager:TagResource",
            "secretsmanager:DescribeSecret",
          ],
          resources: [`arn:${P}:secretsmanager:${r.region}:${A}:secret:rds!*`],
        },
        {
          sid: "DatabaseNetwork",
          part: "database",
          actions: [
            "ec2:CreateSecurityGroup",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVpcs",
            "ec2:CreateTags",
          ],
          resources: "*",
          reason:
            "the database's security group and subnets have ids chosen by AWS, and EC2's create and describe calls allow no resource names",
        },
        // pocket creates the group itself (not a stack) with its Name tag in the create call.
        {
          sid: "DatabaseSecurityGroup",
          part: "database",
          actions: ["ec2:AuthorizeSecurityGroupIngress", "ec2:DeleteSecurityGroup"],
          resources: "*",
          reason:
            "the group's id is chosen by AWS; the condition limits these calls to the group carrying the stage's Name tag",
          condition: { StringEquals: { "aws:ResourceTag/Name": r.securityGroupName } },
        },
        {
          sid: "RdsServiceRole",
          part: "database",
          actions: ["iam:CreateServiceLinkedRole"],
          resources: [`arn:${P}:iam::${A}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS`],
          condition: { StringEquals: { "iam:AWSServiceName": "rds.amazonaws.com" } },
        },
      ],
    };
  },
};

/** An existing cluster: deploy only checks that its secret (metadata, not the value) and security group exist. */
function existingRdsPermissions(r: ExistingRdsContext): StagePermissions {
  return {
    calls: [
      {
        sid: "ExistingDatabaseSecret",
        part: "database",
        actions: ["secretsmanager:DescribeSecret"],
        resources: [r.secretArn],
      },
      {
        sid: "ExistingDatabaseNetwork",
        part: "database",
        actions: ["ec2:DescribeSecurityGroups"],
        resources: "*",
        reason: "EC2's describe calls allow no resource names",
      },
      // The container stack's ingress rule on the cluster's group (not tagged by the stage's stack).
      {
        sid: "ExistingDatabaseIngress",
        part: "database",
        actions: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
        resources: [`arn:${P}:ec2:${r.region}:${A}:security-group/${r.securityGroupId}`],
      },
    ],
  };
}

/**
 * `snapshot_identifier`: the restore call on the stage's cluster and subnet group and on that
 * snapshot only (an ARN as written, an id in the stage's account and region).
 */
function restorePermission(r: RdsContext): Grant {
  const id = r.snapshotIdentifier!;
  return {
    sid: "RestoreDatabaseSnapshot",
    part: "database",
    actions: ["rds:RestoreDBClusterFromSnapshot"],
    resources: [
      `arn:${P}:rds:${r.region}:${A}:cluster:${r.clusterIdentifier}`,
      `arn:${P}:rds:${r.region}:${A}:subgrp:${r.subnetGroupName}`,
      id.startsWith("arn:") ? id : `arn:${P}:rds:${r.region}:${A}:cluster-snapshot:${id}`,
    ],
  };
}

import { A, type Grant, type KindPermissions, P } from "../permissions.js";

/**
 * `[dsql]` (docs/decisions.md#b13-aurora-dsql): pocket makes the cluster by API calls. AWS
 * chooses its id, so the calls that change a cluster are allowed on clusters carrying the
 * stage's Name tag only; finding it reads every cluster's tags. The endpoint is published to the
 * stage's one stored user secret `dsql_endpoint`.
 */
export const dsqlPermissions: KindPermissions = {
  forStage: (ctx) => {
    const d = ctx.dsql;
    if (!d) return {};
    const clusters = `arn:${P}:dsql:${d.region}:${A}:cluster/*`;
    const calls: Grant[] = [
      {
        sid: "DsqlClusterList",
        part: "database",
        actions: ["dsql:ListClusters"],
        resources: "*",
        reason: "ListClusters takes no resource",
      },
      {
        sid: "DsqlClusterRead",
        part: "database",
        actions: ["dsql:GetCluster", "dsql:ListTagsForResource"],
        resources: [clusters],
      },
      {
        sid: "DsqlClusterCreate",
        part: "database",
        actions: ["dsql:CreateCluster", "dsql:TagResource"],
        resources: [clusters],
        condition: { StringEquals: { "aws:RequestTag/Name": d.nameTag } },
      },
      {
        sid: "DsqlClusterChange",
        part: "database",
        actions: ["dsql:UpdateCluster", "dsql:DeleteCluster"],
        resources: [clusters],
        condition: { StringEquals: { "aws:ResourceTag/Name": d.nameTag } },
      },
      endpointGrant(d),
    ];
    const b = ctx.backup;
    if (b?.dsql) {
      // `pocket resource dsql backup` and `backup-status`, into the plan's vault with its role
      // (passed by the backup kind's grant).
      calls.push(
        {
          sid: "DsqlOnDemandBackup",
          part: "database",
          actions: ["backup:StartBackupJob"],
          resources: [`arn:${P}:backup:${b.region}:${A}:backup-vault:${b.vaultName}`],
        },
        {
          sid: "DsqlBackupJobs",
          part: "database",
          actions: ["backup:DescribeBackupJob", "backup:ListBackupJobs"],
          resources: "*",
          reason: "a backup job's id is chosen by AWS Backup, and ListBackupJobs takes no resource",
        },
      );
    }
    return { calls };
  },
};

/** The published endpoint: read, written and deleted, in the store the context names. */
function endpointGrant(
  d: NonNullable<Parameters<NonNullable<KindPermissions["forStage"]>>[0]["dsql"]>,
): Grant {
  const { name, store } = d.endpointSecret;
  if (store === "sm") {
    return {
      sid: "DsqlEndpointSecret",
      part: "database",
      actions: [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:CreateSecret",
        "secretsmanager:PutSecretValue",
        "secretsmanager:RestoreSecret",
        "secretsmanager:DeleteSecret",
      ],
      resources: [`arn:${P}:secretsmanager:${d.region}:${A}:secret:${name}-??????`],
    };
  }
  return {
    sid: "DsqlEndpointParameter",
    part: "database",
    actions: ["ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter"],
    resources: [`arn:${P}:ssm:${d.region}:${A}:parameter${name}`],
  };
}

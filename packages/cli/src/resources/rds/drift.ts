import type { DBCluster, ModifyDBClusterCommandInput } from "@aws-sdk/client-rds";
import type { RdsContext } from "@magic-pocket/config";
import type { Change } from "../resource.js";
import type { RdsState } from "./state.js";

/** How the stage's database differs from the configuration: the changes a deploy would make. */

/** Which cluster settings differ from the configuration. */
function clusterDrift(rds: RdsContext, c: DBCluster) {
  return {
    capacity:
      c.ServerlessV2ScalingConfiguration?.MinCapacity !== rds.minCapacity ||
      c.ServerlessV2ScalingConfiguration?.MaxCapacity !== rds.maxCapacity,
    // A cluster made by an earlier pocket (or by hand) gets deletion protection on its next
    // deploy: only `destroy --with-data` may delete the database, never a console click or
    // another tool.
    unprotected: c.DeletionProtection !== true,
    // Backups: retention always as configured; the window only when one is configured
    // (otherwise RDS picks one, and pocket leaves it alone).
    retention: c.BackupRetentionPeriod !== rds.backupRetentionDays,
    window: rds.preferredBackupWindow !== undefined && c.PreferredBackupWindow !== rds.preferredBackupWindow,
    // A cluster restored from a snapshot keeps the snapshot's master password: RDS takes it over
    // (Secrets Manager, rotated), as for a cluster pocket creates
    // (docs/decisions.md#b8-a-cluster-restored-from-a-snapshot).
    password: c.MasterUserSecret?.SecretArn === undefined,
  };
}

/** The cluster settings to change, for people ("capacity 0.5-2 ACU", ...). */
export function clusterChanges(rds: RdsContext, c: DBCluster): string[] {
  const d = clusterDrift(rds, c);
  return [
    ...(d.capacity ? [`capacity ${rds.minCapacity}-${rds.maxCapacity} ACU`] : []),
    ...(d.unprotected ? ["deletion protection on"] : []),
    ...(d.retention ? [`backup retention ${rds.backupRetentionDays} days`] : []),
    ...(d.window ? [`backup window ${rds.preferredBackupWindow} UTC`] : []),
    ...(d.password ? ["master password managed by RDS"] : []),
  ];
}

/** The ModifyDBCluster call that sets exactly the settings that differ. */
export function clusterModification(rds: RdsContext, c: DBCluster): ModifyDBClusterCommandInput {
  const d = clusterDrift(rds, c);
  return {
    DBClusterIdentifier: rds.clusterIdentifier,
    ...(d.capacity
      ? { ServerlessV2ScalingConfiguration: { MinCapacity: rds.minCapacity, MaxCapacity: rds.maxCapacity } }
      : {}),
    ...(d.unprotected ? { DeletionProtection: true } : {}),
    ...(d.retention ? { BackupRetentionPeriod: rds.backupRetentionDays } : {}),
    ...(d.window ? { PreferredBackupWindow: rds.preferredBackupWindow } : {}),
    ...(d.password ? { ManageMasterUserPassword: true } : {}),
    ApplyImmediately: true,
  };
}

/** What a deploy would create or update, from what exists. */
export function rdsChanges(rds: RdsContext, s: RdsState): Change[] {
  const out: Change[] = [];
  if (!s.subnetGroup) out.push({ action: "create", target: `DB subnet group ${rds.subnetGroupName}` });
  if (!s.securityGroupId) out.push({ action: "create", target: `security group ${rds.securityGroupName}` });
  if (!s.cluster)
    out.push({
      action: "create",
      target: `Aurora cluster ${rds.clusterIdentifier}`,
      ...(rds.snapshotIdentifier ? { detail: `restored from snapshot ${rds.snapshotIdentifier}` } : {}),
    });
  else if (clusterChanges(rds, s.cluster).length > 0)
    out.push({
      action: "update",
      target: `Aurora cluster ${rds.clusterIdentifier}`,
      detail: clusterChanges(rds, s.cluster).join(", "),
    });
  if (!s.instance) out.push({ action: "create", target: `DB instance ${rds.instanceIdentifier}` });
  return out;
}

import type { RdsContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { awsErrorName } from "../../aws/errors.js";
import { CliError } from "../../errors.js";
import type { Progress } from "../resource.js";

/**
 * The cluster's first creation from `[rds] snapshot_identifier`
 * (docs/decisions.md#b8-a-cluster-restored-from-a-snapshot): the same network, capacity,
 * protection and backups as a cluster pocket creates. The snapshot keeps its own database name
 * and master password; the deploy then hands the password to RDS (the ModifyDBCluster that
 * `drift.ts` asks for when the cluster has no RDS-managed secret).
 */
export async function restoreCluster(
  aws: AwsClients,
  rds: RdsContext,
  securityGroupId: string,
  progress: Progress,
): Promise<string[]> {
  const snapshot = rds.snapshotIdentifier!;
  progress.update(`restoring Aurora cluster ${rds.clusterIdentifier} from snapshot ${snapshot}`);
  const { RestoreDBClusterFromSnapshotCommand } = await import("@aws-sdk/client-rds");
  try {
    await (await aws.rds()).send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: rds.clusterIdentifier,
        SnapshotIdentifier: snapshot,
        Engine: rds.engine,
        EngineMode: "provisioned",
        DBSubnetGroupName: rds.subnetGroupName,
        VpcSecurityGroupIds: [securityGroupId],
        ServerlessV2ScalingConfiguration: { MinCapacity: rds.minCapacity, MaxCapacity: rds.maxCapacity },
        CopyTagsToSnapshot: true,
        DeletionProtection: true,
        BackupRetentionPeriod: rds.backupRetentionDays,
        ...(rds.preferredBackupWindow ? { PreferredBackupWindow: rds.preferredBackupWindow } : {}),
        Tags: [{ Key: "Name", Value: rds.clusterIdentifier }],
      }),
    );
  } catch (error) {
    if (awsErrorName(error) === "DBClusterSnapshotNotFoundFault") {
      throw new CliError("rds-snapshot-missing", `the cluster snapshot ${snapshot} does not exist.`, {
        hint: "Check rds.snapshot_identifier: an id of this account and region, or the snapshot's ARN (another account's must be shared with this one).",
      });
    }
    throw error;
  }
  return [`cluster (restored from ${snapshot})`];
}

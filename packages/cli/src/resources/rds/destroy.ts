import type { RdsContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import type { DeployReport, Progress, RunContext } from "../resource.js";
import { inspectRds } from "./state.js";
import { waitGone } from "./wait.js";

/**
 * Destroy (only with --with-data: the engine keeps the database otherwise) deletes in reverse
 * order: instance, cluster with a final snapshot, security group, subnet group.
 */
export async function destroyRds(
  rds: RdsContext,
  run: RunContext,
  progress: Progress,
): Promise<DeployReport> {
  const aws = run.aws(rds.region);
  const pollMs = run.timing.rdsPollMs;
  const s = await inspectRds(aws, rds);
  const done: string[] = [];
  if (s.cluster?.DeletionProtection) await unprotect(aws, rds, progress);
  if (s.instance) done.push(await deleteInstance(aws, rds, pollMs, progress));
  if (s.cluster) done.push(await deleteCluster(aws, rds, pollMs, progress));
  if (s.securityGroupId) {
    const { DeleteSecurityGroupCommand } = await import("@aws-sdk/client-ec2");
    await (await aws.ec2()).send(new DeleteSecurityGroupCommand({ GroupId: s.securityGroupId }));
    done.push("security group");
  }
  if (s.subnetGroup) {
    const { DeleteDBSubnetGroupCommand } = await import("@aws-sdk/client-rds");
    await (await aws.rds()).send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: rds.subnetGroupName }));
    done.push("subnet group");
  }
  return {
    changed: done.length > 0,
    summary: done.length > 0 ? `deleted ${done.join(", ")}` : "already absent",
  };
}

/**
 * Deletion protection guards against every other way of deleting the cluster; this destroy was
 * asked for with --with-data, and the final snapshot keeps the data.
 */
async function unprotect(aws: AwsClients, rds: RdsContext, progress: Progress): Promise<void> {
  progress.update(`turning off deletion protection of ${rds.clusterIdentifier}`);
  const { ModifyDBClusterCommand } = await import("@aws-sdk/client-rds");
  const DBClusterIdentifier = rds.clusterIdentifier;
  await (await aws.rds()).send(
    new ModifyDBClusterCommand({ DBClusterIdentifier, DeletionProtection: false, ApplyImmediately: true }),
  );
}

async function deleteInstance(aws: AwsClients, rds: RdsContext, pollMs: number, progress: Progress) {
  progress.update(`deleting DB instance ${rds.instanceIdentifier}`);
  const { DeleteDBInstanceCommand } = await import("@aws-sdk/client-rds");
  await (await aws.rds()).send(
    new DeleteDBInstanceCommand({ DBInstanceIdentifier: rds.instanceIdentifier, SkipFinalSnapshot: true }),
  );
  await waitGone(aws, rds, "instance", pollMs);
  return "instance";
}

/** The data leaves with a final snapshot, always: a destroy must never lose a database. */
async function deleteCluster(aws: AwsClients, rds: RdsContext, pollMs: number, progress: Progress) {
  const snapshot = `${rds.finalSnapshotPrefix}${Math.floor(Date.now() / 1000)}`;
  progress.update(`deleting Aurora cluster (final snapshot ${snapshot})`);
  const { DeleteDBClusterCommand } = await import("@aws-sdk/client-rds");
  await (await aws.rds()).send(
    new DeleteDBClusterCommand({
      DBClusterIdentifier: rds.clusterIdentifier,
      SkipFinalSnapshot: false,
      FinalDBSnapshotIdentifier: snapshot,
    }),
  );
  await waitGone(aws, rds, "cluster", pollMs);
  progress.log(`final snapshot ${snapshot} kept`);
  return "cluster";
}

import type { RecoveryPointByResource } from "@aws-sdk/client-backup";
import type { BackupContext, PocketContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { findCluster } from "../dsql/state.js";
import { describeCluster } from "../rds/state.js";

/** What one engine's plan backs up, as AWS Backup names it, and its recovery points in the vault. */
export interface BackedUp {
  what: string;
  resourceArn: string;
  points: RecoveryPointByResource[];
}

/**
 * The recovery points of the stage's databases that still exist, in pocket's vault only (a
 * backup the user took into a vault of their own is theirs). A deleted cluster's points can no
 * longer be found by its ARN (the original's rule): the AWS Backup console deletes those.
 */
export async function stageRecoveryPoints(aws: AwsClients, ctx: PocketContext): Promise<BackedUp[]> {
  const b = ctx.backup!;
  const out: BackedUp[] = [];
  if (b.rds && ctx.rds) {
    const cluster = await describeCluster(aws, ctx.rds);
    if (cluster?.DBClusterArn) {
      out.push({
        what: `Aurora cluster ${ctx.rds.clusterIdentifier}`,
        resourceArn: cluster.DBClusterArn,
        points: await pointsOf(aws, b, cluster.DBClusterArn),
      });
    }
  }
  if (b.dsql && ctx.dsql) {
    const cluster = await findCluster(aws, ctx.dsql);
    if (cluster) {
      out.push({
        what: `Aurora DSQL cluster ${cluster.identifier}`,
        resourceArn: cluster.arn,
        points: await pointsOf(aws, b, cluster.arn),
      });
    }
  }
  return out;
}

async function pointsOf(aws: AwsClients, b: BackupContext, resourceArn: string) {
  const { ListRecoveryPointsByResourceCommand } = await import("@aws-sdk/client-backup");
  const client = await aws.backup();
  const points: RecoveryPointByResource[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(
      new ListRecoveryPointsByResourceCommand({ ResourceArn: resourceArn, NextToken }),
    );
    points.push(...(page.RecoveryPoints ?? []).filter((p) => p.BackupVaultName === b.vaultName));
    NextToken = page.NextToken;
  } while (NextToken);
  return points;
}

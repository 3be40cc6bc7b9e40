import { awsErrorName } from "../../aws/errors.js";
import { CliError } from "../../errors.js";
import { writeErr, writeOut } from "../../util/stdio.js";
import type { OperationContext } from "../resource.js";

/** How long a manual snapshot may take before pocket stops waiting (it goes on in RDS). */
const WAIT_SECONDS = 3 * 3600;

/** `{cluster}-manual-20260301-043000`: sortable, and under the stage's own name. */
export function snapshotIdentifier(cluster: string, now = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
  return `${cluster}-manual-${stamp}`;
}

/** `pocket resource rds snapshot`: a manual cluster snapshot, waited for with the SDK's waiter. */
export async function takeSnapshot({ run }: OperationContext, opts: { wait?: boolean }): Promise<void> {
  const rds = run.ctx.rds!;
  const sdk = await import("@aws-sdk/client-rds");
  const client = await run.aws(rds.region).rds();
  const id = snapshotIdentifier(rds.clusterIdentifier);
  try {
    await client.send(
      new sdk.CreateDBClusterSnapshotCommand({
        DBClusterIdentifier: rds.clusterIdentifier,
        DBClusterSnapshotIdentifier: id,
        Tags: [{ Key: "pocket:stage", Value: run.ctx.stage }],
      }),
    );
  } catch (error) {
    if (awsErrorName(error) === "DBClusterNotFoundFault") {
      throw new CliError("rds-missing", `the Aurora cluster ${rds.clusterIdentifier} does not exist.`, {
        hint: "Create it with `pocket deploy`.",
      });
    }
    if (awsErrorName(error) === "InvalidDBClusterStateFault") {
      throw new CliError(
        "rds-busy",
        `the Aurora cluster ${rds.clusterIdentifier} cannot be snapshotted now.`,
        {
          hint: "Wait until `pocket resource rds status` says it is in sync, then try again.",
        },
      );
    }
    throw error;
  }
  writeErr(`snapshot ${id} of ${rds.clusterIdentifier} started\n`);
  if (opts.wait === false) {
    writeOut(`${id}\n`);
    return;
  }
  const seconds = Math.max(run.timing.rdsPollMs, 1) / 1000;
  try {
    await sdk.waitUntilDBClusterSnapshotAvailable(
      {
        client,
        minDelay: seconds,
        maxDelay: Math.max(seconds, Math.min(60, seconds * 4)),
        maxWaitTime: WAIT_SECONDS,
      },
      { DBClusterSnapshotIdentifier: id },
    );
  } catch (error) {
    throw new CliError(
      "rds-snapshot-timeout",
      `snapshot ${id} is not available yet: ${(error as Error).message.split("\n")[0]}`,
      {
        hint: "It goes on in RDS; check it with `aws rds describe-db-cluster-snapshots`.",
      },
    );
  }
  writeErr(`snapshot ${id} is available\n`);
  writeOut(`${id}\n`);
}

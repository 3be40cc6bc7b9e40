import type { DBCluster, RDSClient } from "@aws-sdk/client-rds";
import type { RdsContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { CliError } from "../../errors.js";
import type { Progress } from "../resource.js";
import { describeCluster } from "./state.js";

/** Clusters take minutes on AWS; pocket waits at most this long (the poll interval is run.timing). */
const WAIT_SECONDS = 30 * 60;

/** SDK waiter options: the run's poll interval, never longer than 30 minutes in all. */
function waiter(client: RDSClient, pollMs: number) {
  const seconds = Math.max(pollMs, 1) / 1000;
  return {
    client,
    minDelay: seconds,
    maxDelay: Math.max(seconds, Math.min(60, seconds * 4)),
    maxWaitTime: WAIT_SECONDS,
  };
}

export async function waitForCluster(
  clients: AwsClients,
  rds: RdsContext,
  progress: Progress,
  pollMs: number,
): Promise<DBCluster> {
  const { waitUntilDBClusterAvailable } = await import("@aws-sdk/client-rds");
  progress.update("waiting for the cluster to be available");
  try {
    await waitUntilDBClusterAvailable(waiter(await clients.rds(), pollMs), {
      DBClusterIdentifier: rds.clusterIdentifier,
    });
  } catch (error) {
    const c = await describeCluster(clients, rds);
    throw new CliError(
      "rds-timeout",
      `the Aurora cluster is ${c?.Status ?? "missing"}, not available: ${(error as Error).message.split("\n")[0]}`,
      { hint: "Check it in the RDS console; `pocket deploy` continues from where it is." },
    );
  }
  return (await describeCluster(clients, rds))!;
}

export async function waitGone(
  clients: AwsClients,
  rds: RdsContext,
  what: "instance" | "cluster",
  pollMs: number,
) {
  const sdk = await import("@aws-sdk/client-rds");
  const options = waiter(await clients.rds(), pollMs);
  try {
    if (what === "instance") {
      await sdk.waitUntilDBInstanceDeleted(options, { DBInstanceIdentifier: rds.instanceIdentifier });
    } else {
      await sdk.waitUntilDBClusterDeleted(options, { DBClusterIdentifier: rds.clusterIdentifier });
    }
  } catch (error) {
    throw new CliError(
      "rds-timeout",
      `the DB ${what} is still being deleted: ${(error as Error).message.split("\n")[0]}`,
      {
        hint: "Check it in the RDS console, then run destroy again.",
      },
    );
  }
}

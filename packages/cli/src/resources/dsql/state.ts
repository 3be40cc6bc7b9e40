import type { GetClusterCommandOutput } from "@aws-sdk/client-dsql";
import type { DsqlContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { unlessAbsent } from "../../aws/errors.js";
import { CliError } from "../../errors.js";

/**
 * The stage's Aurora DSQL cluster as AWS has it. AWS chooses a cluster's id, so the stage's is
 * the one live cluster with its Name tag (docs/decisions.md#b13-aurora-dsql); a cluster being
 * deleted is gone for the stage.
 */
export type DsqlCluster = GetClusterCommandOutput & { identifier: string; arn: string };

const GONE = new Set(["DELETING", "DELETED"]);

export async function findCluster(clients: AwsClients, dsql: DsqlContext): Promise<DsqlCluster | undefined> {
  const { GetClusterCommand, ListClustersCommand } = await import("@aws-sdk/client-dsql");
  const client = await clients.dsql();
  const found: DsqlCluster[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListClustersCommand({ nextToken }));
    // A listing names no tags: each cluster of the page is read at once, not one after another.
    const clusters = await Promise.all(
      (page.clusters ?? []).map((c) =>
        unlessAbsent(
          client.send(new GetClusterCommand({ identifier: c.identifier })),
          "ResourceNotFoundException",
        ),
      ),
    );
    for (const cluster of clusters) {
      if (!cluster || GONE.has(cluster.status ?? "") || cluster.tags?.Name !== dsql.nameTag) continue;
      found.push(cluster as DsqlCluster);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  if (found.length > 1) {
    throw new CliError(
      "dsql-ambiguous",
      `${found.length} Aurora DSQL clusters carry the Name tag ${dsql.nameTag}: ${found.map((c) => c.identifier).join(", ")}.`,
      {
        hint: "pocket finds the stage's cluster by that tag: rename or delete the one that is not the stage's (the DSQL console), then run the command again.",
      },
    );
  }
  return found[0];
}

/** The cluster's endpoint: AWS's answer, else the documented `{id}.dsql.{region}.on.aws`. */
export function clusterEndpoint(cluster: DsqlCluster, dsql: DsqlContext): string {
  return cluster.endpoint ?? `${cluster.identifier}.dsql.${dsql.region}.on.aws`;
}

/** What the container stack needs: the endpoint (POCKET_DSQL_ENDPOINT) and the ARN its role may connect to. */
export function dsqlOutputs(cluster: DsqlCluster, dsql: DsqlContext): Record<string, string> {
  return {
    clusterArn: cluster.arn,
    endpoint: clusterEndpoint(cluster, dsql),
    identifier: cluster.identifier,
  };
}

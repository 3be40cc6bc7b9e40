import type { DsqlContext } from "@magic-pocket/config";
import type { DeployReport, Progress, RunContext } from "../resource.js";
import { setDeletionProtection } from "./deploy.js";
import { publishedAt, unpublishEndpoint } from "./publish.js";
import { findCluster } from "./state.js";

/**
 * Destroy (only with --with-data: the engine keeps the database otherwise) deletes the cluster
 * and its published endpoint. Deletion protection guards every other way of deleting it; this
 * one was asked for by name (docs/decisions.md#p9-destroy-keeps-data-unless-asked). DSQL keeps
 * no final snapshot: a backup made with [backup.dsql] stays in its vault.
 */
export async function destroyDsql(
  dsql: DsqlContext,
  run: RunContext,
  progress: Progress,
): Promise<DeployReport> {
  const aws = run.aws(dsql.region);
  const done: string[] = [];
  const cluster = await findCluster(aws, dsql);
  if (cluster) {
    if (cluster.deletionProtectionEnabled) {
      progress.update(`turning off deletion protection of ${cluster.identifier}`);
      await setDeletionProtection(aws, cluster, false);
    }
    progress.update(`deleting Aurora DSQL cluster ${cluster.identifier}`);
    const { DeleteClusterCommand } = await import("@aws-sdk/client-dsql");
    await (await aws.dsql()).send(new DeleteClusterCommand({ identifier: cluster.identifier }));
    done.push(`cluster ${cluster.identifier}`);
  }
  if (await unpublishEndpoint(aws, dsql)) done.push(`endpoint in ${publishedAt(dsql)}`);
  return {
    changed: done.length > 0,
    summary: done.length > 0 ? `deleted ${done.join(", ")}` : "already absent",
  };
}

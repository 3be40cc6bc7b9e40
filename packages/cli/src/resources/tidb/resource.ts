import type { PocketContext } from "@magic-pocket/config";
import type { Change, Resource, ResourceStatus, RunContext } from "../resource.js";
import { vendorDatabaseResource } from "../vendor-database.js";
import { findCluster, tidbApi, tidbStage } from "./access.js";
import { deployTidb, destroyTidb } from "./deploy.js";
import { isRecorded, type Recorded, recordObject, urlNeeded } from "./record.js";

/**
 * The project's TiDB Cloud Serverless cluster (one per project, shared by its stages), and in it
 * the stage's database `{project}_{stage}` with the stage's own SQL user. Unlike the reference,
 * no stage ever holds the root password (`access.ts`); SQL runs only when due (`record.ts`).
 */
export function tidbResource(ctx: PocketContext): Resource {
  const t = ctx.tidb!;
  return vendorDatabaseResource("tidb", {
    title: `TiDB database ${t.databaseName} (cluster ${t.clusterName})`,
    goesWith: "and the cluster, once it holds no other database",
    status: (run) => tidbStatus(ctx, run),
    plan: (run) => tidbChanges(ctx, run),
    deploy: async (run, progress) => deployTidb(tidbStage(ctx, run), progress),
    destroy: async (run, progress) => destroyTidb(tidbStage(ctx, run), progress),
  });
}

const BUSY = ["CREATING", "RESTORING", "MAINTENANCE", "DELETING", "IMPORTING", "MODIFYING"];

async function tidbStatus(ctx: PocketContext, run: RunContext): Promise<ResourceStatus> {
  const t = ctx.tidb!;
  const { cluster } = await findCluster(tidbApi(run), t);
  if (!cluster) return { state: "missing" };
  if (cluster.state !== "ACTIVE") {
    return BUSY.includes(cluster.state ?? "")
      ? { state: "in-progress", detail: cluster.state }
      : { state: "failed", detail: `cluster ${cluster.state ?? "UNKNOWN"}` };
  }
  if (!isRecorded(ctx, await recordObject(ctx, run).readJson<Recorded>(), cluster))
    return { state: "needs-update", detail: `database ${t.databaseName} not created by pocket yet` };
  return { state: "in-sync", detail: `host ${cluster.endpoints?.public?.host ?? "?"}` };
}

async function tidbChanges(ctx: PocketContext, run: RunContext): Promise<Change[]> {
  const t = ctx.tidb!;
  const { cluster } = await findCluster(tidbApi(run), t);
  const changes: Change[] = [];
  if (!cluster)
    changes.push({ action: "create", target: `TiDB cluster ${t.clusterName}`, detail: t.apiRegion });
  if (!cluster || !isRecorded(ctx, await recordObject(ctx, run).readJson<Recorded>(), cluster)) {
    changes.push({
      action: "create",
      target: `TiDB database ${t.databaseName}`,
      detail: `user ${t.sqlUser}`,
    });
  } else if (await urlNeeded(ctx, run)) {
    changes.push({
      action: "update",
      target: `TiDB user ${t.sqlUser}`,
      detail: "new password for the database URL secret",
    });
  }
  return changes;
}

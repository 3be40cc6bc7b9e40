import type { PocketContext } from "@magic-pocket/config";
import type { Change, Resource, ResourceStatus } from "../resource.js";
import { deployDsql } from "./deploy.js";
import { destroyDsql } from "./destroy.js";
import { isPublished } from "./publish.js";
import { type DsqlCluster, dsqlOutputs, findCluster } from "./state.js";

/**
 * `[dsql]`: the stage's Aurora DSQL cluster (docs/decisions.md#b13-aurora-dsql), made by API
 * calls (it holds data), found by its Name tag, its endpoint published for readers outside
 * deploy. No VPC; the functions connect with IAM tokens for the `admin` role.
 */
export function dsqlResource(ctx: PocketContext): Resource {
  const dsql = ctx.dsql!;
  const read = async (run: Parameters<Resource["status"]>[0]) => {
    const aws = run.aws(dsql.region);
    const cluster = await findCluster(aws, dsql);
    const published = cluster ? await isPublished(aws, dsql, dsqlOutputs(cluster, dsql).endpoint!) : false;
    return { cluster, published };
  };
  return {
    id: "dsql",
    title: `Aurora DSQL cluster ${dsql.nameTag}`,
    group: "dsql",
    dependsOn: [],
    keep: { unless: "withData" },
    goesWith: "its published endpoint (no final snapshot: DSQL has none)",
    readOutputs: async (run) => {
      const cluster = await findCluster(run.aws(dsql.region), dsql);
      return cluster ? dsqlOutputs(cluster, dsql) : undefined;
    },
    status: async (run) => {
      const { cluster, published } = await read(run);
      return dsqlStatus(cluster, dsqlChanges(ctx, cluster, published));
    },
    plan: async (run) => {
      const { cluster, published } = await read(run);
      return dsqlChanges(ctx, cluster, published);
    },
    deploy: (run, progress) => deployDsql(ctx, run, progress),
    destroy: (run, progress) => destroyDsql(dsql, run, progress),
  };
}

function dsqlChanges(ctx: PocketContext, cluster: DsqlCluster | undefined, published: boolean): Change[] {
  const dsql = ctx.dsql!;
  if (!cluster) return [{ action: "create", target: `Aurora DSQL cluster ${dsql.nameTag}` }];
  const changes: Change[] = [];
  if (cluster.deletionProtectionEnabled !== dsql.deletionProtection) {
    changes.push({
      action: "update",
      target: `deletion protection ${dsql.deletionProtection ? "on" : "off"}`,
    });
  }
  if (!published) changes.push({ action: "update", target: "published endpoint" });
  return changes;
}

function dsqlStatus(cluster: DsqlCluster | undefined, changes: Change[]): ResourceStatus {
  if (!cluster) return { state: "missing" };
  if (cluster.status !== "ACTIVE") {
    return cluster.status === "FAILED"
      ? { state: "failed", detail: cluster.status }
      : { state: "in-progress", detail: cluster.status ?? "unknown" };
  }
  return changes.length === 0
    ? { state: "in-sync", detail: cluster.endpoint ?? cluster.identifier }
    : { state: "needs-update", detail: changes.map((c) => c.target).join(", ") };
}

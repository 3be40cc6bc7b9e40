import type { PocketContext } from "@magic-pocket/config";
import type { Resource, ResourceStatus } from "../resource.js";
import { deployRds } from "./deploy.js";
import { destroyRds } from "./destroy.js";
import { rdsChanges } from "./drift.js";
import { inspectRds, type RdsState, readRdsOutputs } from "./state.js";

/**
 * Aurora PostgreSQL Serverless v2 in the stage's VPC
 * (docs/decisions.md#p10-aurora-serverless-v2-by-api-calls): a subnet group on the private
 * subnets, a security group (the container stack adds the ingress from Lambda), the cluster with
 * an RDS-managed master password, and one `db.serverless` instance. Its outputs are what the
 * container needs: the master secret's ARN, the endpoint and port, the security group.
 * What exists is read in `state.ts`, compared in `drift.ts`, made in `deploy.ts` and deleted in
 * `destroy.ts`.
 */
export function rdsResource(ctx: PocketContext): Resource {
  const rds = ctx.rds!;
  return {
    id: "rds",
    title: `Aurora cluster ${rds.clusterIdentifier}`,
    group: "rds",
    dependsOn: ["vpc"],
    keep: { unless: "withData" },
    goesWith: "a final snapshot is kept",
    readOutputs: (run) => readRdsOutputs(run.aws(rds.region), rds),
    status: async (run) => rdsStatus(ctx, await inspectRds(run.aws(rds.region), rds)),
    plan: async (run) => rdsChanges(rds, await inspectRds(run.aws(rds.region), rds)),
    deploy: (run, progress) => deployRds(ctx, run, progress),
    destroy: (run, progress) => destroyRds(rds, run, progress),
  };
}

function rdsStatus(ctx: PocketContext, s: RdsState): ResourceStatus {
  if (!s.cluster) return { state: "missing" };
  const status = s.cluster.Status ?? "unknown";
  if (status !== "available") {
    return /fail|incompatible|inaccessible/.test(status)
      ? { state: "failed", detail: status }
      : { state: "in-progress", detail: status };
  }
  const changes = rdsChanges(ctx.rds!, s);
  return changes.length === 0
    ? { state: "in-sync", detail: s.cluster.Endpoint }
    : { state: "needs-update", detail: changes.map((c) => c.target).join(", ") };
}

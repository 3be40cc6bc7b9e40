import type { PocketContext } from "@magic-pocket/config";
import { bucketObject } from "../../buckets/object.js";
import type { RunContext } from "../resource.js";
import { managedSecretStore } from "../secrets/store.js";
import type { TidbCluster } from "./api.js";

/**
 * When SQL is due: only when the stage's database was not yet made on this cluster (a record in
 * the state bucket says so) or when a `tidb_database_url` secret needs a value.
 */
export interface Recorded {
  clusterId: string;
  database: string;
  user: string;
}

/** The state bucket object that records the stage's database. */
export function recordObject(ctx: PocketContext, run: RunContext) {
  return bucketObject(run.aws(ctx.region), ctx.stateBucket, ctx.tidb!.stateKey);
}

/** The record says pocket made the stage's database and user on this cluster. */
export function isRecorded(ctx: PocketContext, r: Recorded | undefined, cluster: TidbCluster): boolean {
  const t = ctx.tidb!;
  return r?.clusterId === cluster.clusterId && r.database === t.databaseName && r.user === t.sqlUser;
}

/** True when a `tidb_database_url` managed secret has no value yet. */
export async function urlNeeded(ctx: PocketContext, run: RunContext): Promise<boolean> {
  const secrets = ctx.container?.secrets;
  const names = Object.entries(secrets?.managed ?? {})
    .filter(([, spec]) => spec.type === "tidb_database_url")
    .map(([name]) => name);
  if (!secrets || names.length === 0) return false;
  const stored = await managedSecretStore(run.aws(secrets.region), secrets, ctx.stage, ctx.project).read();
  return names.some((n) => stored[n] === undefined);
}

import type { PocketContext, TidbContext } from "@magic-pocket/config";
import type { DeployReport, Progress, RunContext } from "../resource.js";
import { findCluster, randomPassword, rootLogin, type TidbStage, tidbDatabaseUrl } from "./access.js";
import type { TidbApi, TidbCluster } from "./api.js";
import { isRecorded, type Recorded, recordObject, urlNeeded } from "./record.js";

/** Deploy: the project's cluster (created and waited for), then the stage's database if due. */
export async function deployTidb(stage: TidbStage, progress: Progress): Promise<DeployReport> {
  const { ctx, t, run, api } = stage;
  const { cluster, rootPassword } = await activeCluster(api, t, progress);
  const needUrl = await urlNeeded(ctx, run);
  const created = rootPassword ? ["cluster"] : [];
  if (!needUrl && isRecorded(ctx, await recordObject(ctx, run).readJson<Recorded>(), cluster)) {
    return {
      changed: created.length > 0,
      summary: created.length ? `created ${created.join(", ")}` : "no changes",
    };
  }
  const made = await createStageDatabase(ctx, run, api, cluster, { needUrl, rootPassword }, progress);
  created.push(needUrl ? "database and user (password stored in the secret)" : "database and user");
  return {
    changed: true,
    summary: `created ${created.join(", ")}`,
    outputs: { host: made.host, ...(made.databaseUrl ? { databaseUrl: made.databaseUrl } : {}) },
  };
}

/**
 * The project's cluster once it is ACTIVE: created when missing, with a root password that is
 * returned (so the stage's SQL needs no second one) and then forgotten.
 */
export async function activeCluster(
  api: TidbApi,
  t: TidbContext,
  progress: Progress,
): Promise<{ cluster: TidbCluster; rootPassword?: string }> {
  progress.update("looking up the TiDB Cloud project");
  const { project, cluster } = await findCluster(api, t);
  let rootPassword: string | undefined;
  if (!cluster) {
    rootPassword = randomPassword();
    progress.update(`creating TiDB cluster ${t.clusterName}`);
    await api.createCluster({
      projectId: project.id,
      displayName: t.clusterName,
      region: t.apiRegion,
      rootPassword,
    });
  }
  if (cluster?.state === "ACTIVE") return { cluster, rootPassword };
  const active = await api.waitActive(project.id, t.clusterName, (state) =>
    progress.update(`waiting for the cluster (${state})`),
  );
  return { cluster: active, rootPassword };
}

/**
 * The stage's database and SQL user, made as root; the user's password is new, and only leaves
 * in the database URL when a secret needs one. The state bucket records what was made.
 */
async function createStageDatabase(
  ctx: PocketContext,
  run: RunContext,
  api: TidbApi,
  cluster: TidbCluster,
  o: { needUrl: boolean; rootPassword?: string },
  progress: Progress,
): Promise<{ host: string; databaseUrl?: string }> {
  const t = ctx.tidb!;
  const made = await ensureStageUser(api, t, cluster, { resetPassword: o.needUrl, ...o }, progress);
  await recordObject(ctx, run).writeJson({
    clusterId: cluster.clusterId,
    database: t.databaseName,
    user: t.sqlUser,
  } satisfies Recorded);
  return { host: made.host, databaseUrl: o.needUrl ? made.databaseUrl : undefined };
}

/**
 * The stage's database and its SQL user with a new password (an existing user gets it only when
 * `resetPassword`: its URL is lost or being replaced), made as root, and the URL with that
 * password: deploy's SQL, and `pocket resource tidb store-url`'s.
 */
export async function ensureStageUser(
  api: TidbApi,
  t: TidbContext,
  cluster: TidbCluster,
  o: { resetPassword: boolean; rootPassword?: string },
  progress: Progress,
): Promise<{ host: string; user: string; databaseUrl: string }> {
  const root = await rootLogin(api, t, cluster, progress, o.rootPassword);
  const user = `${cluster.userPrefix}.${t.sqlUser}`;
  const password = randomPassword();
  progress.update(`creating database ${t.databaseName} and user ${user}`);
  const { ensureStageDatabase } = await import("./sql.js");
  await ensureStageDatabase(root, {
    database: t.databaseName,
    user,
    password,
    resetPassword: o.resetPassword,
  });
  const databaseUrl = tidbDatabaseUrl(user, password, root.host, root.port, t.databaseName);
  return { host: root.host, user, databaseUrl };
}

/** Destroy drops the stage's database; the cluster, shared by the project's stages, goes with the last. */
export async function destroyTidb(stage: TidbStage, progress: Progress): Promise<DeployReport> {
  const { ctx, t, run, api } = stage;
  const { cluster } = await findCluster(api, t);
  if (!cluster) return { changed: false, summary: "already absent" };
  const root = await rootLogin(api, t, cluster, progress);
  progress.update(`dropping database ${t.databaseName}`);
  const { dropStageDatabase } = await import("./sql.js");
  const remaining = await dropStageDatabase(root, {
    database: t.databaseName,
    user: `${cluster.userPrefix}.${t.sqlUser}`,
  });
  await recordObject(ctx, run).remove();
  if (remaining.length > 0) {
    progress.log(`kept TiDB cluster ${t.clusterName}: it still holds ${remaining.join(", ")}`);
    return { changed: true, summary: "database dropped; cluster kept (other databases remain)" };
  }
  progress.update(`deleting TiDB cluster ${t.clusterName}`);
  await api.deleteCluster(cluster.clusterId);
  return { changed: true, summary: "database dropped, cluster deleted" };
}

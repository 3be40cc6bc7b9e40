import type { Provision } from "../vendor-store-url.js";
import { tidbApi } from "./access.js";
import { activeCluster, ensureStageUser } from "./deploy.js";

/**
 * `pocket resource tidb store-url`'s TiDB side: the project's cluster and the stage's database
 * and SQL user as deploy makes them, and their URL (docs/decisions.md#b12-provisioning-by-command).
 * TiDB Cloud cannot show a password again, so the URL holds a new password of the stage's own
 * SQL user ([B1](docs/decisions.md#b1-tidb-gives-each-stage-its-own-sql-user)): other stages and
 * the root password are untouched, and a stored URL is replaced only with `--force`.
 */
export const provisionTidb: Provision = async (run, progress) => {
  const t = run.ctx.tidb!;
  const api = tidbApi(run);
  const { cluster, rootPassword } = await activeCluster(api, t, progress);
  const made = await ensureStageUser(api, t, cluster, { resetPassword: true, rootPassword }, progress);
  return {
    url: made.databaseUrl,
    resolved: `cluster=${t.clusterName} → database=${t.databaseName} → user=${made.user} → host=${made.host}`,
    warning: rootPassword
      ? `cluster ${t.clusterName} was created by this run, so the URL points at a new, empty database.`
      : undefined,
  };
};

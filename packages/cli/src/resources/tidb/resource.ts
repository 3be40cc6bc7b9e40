import type { PocketContext, TidbContext } from "@magic-pocket/config";
import { bucketObject } from "../../buckets/object.js";
import { CliError } from "../../errors.js";
import type { Change, DeployReport, Progress, Resource, RunContext } from "../resource.js";
import { managedSecretStore } from "../secrets/store.js";
import { randomString } from "../secrets/values.js";
import { TidbApi, type TidbCluster } from "./api.js";

/**
 * The project's TiDB Cloud Serverless cluster (one per project, shared by its stages), and in it
 * the stage's database `{project}_{stage}` with the stage's own SQL user. Unlike the reference,
 * no stage ever holds the root password: pocket sets a fresh one whenever it has SQL to run and
 * forgets it, so one stage's deploy never invalidates another stage's stored URL. SQL runs only
 * when the stage's database was not yet made on this cluster (a record in the state bucket says
 * so) or when a `tidb_database_url` secret needs a value.
 */
interface Recorded {
  clusterId: string;
  database: string;
  user: string;
}

/** 24 letters and digits: no character that needs quoting in SQL or escaping in a URL. */
export function randomPassword(): string {
  return randomString(24, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
}

export function tidbDatabaseUrl(
  user: string,
  password: string,
  host: string,
  port: number,
  database: string,
): string {
  const e = encodeURIComponent;
  // TiDB Cloud only accepts verified TLS; the runtime adds the system CA bundle for it.
  return `mysql://${e(user)}:${e(password)}@${host}:${port}/${e(database)}?ssl_mode=VERIFY_IDENTITY`;
}

export function tidbResource(ctx: PocketContext): Resource {
  const t: TidbContext = ctx.tidb!;

  const apiFor = (run: RunContext): TidbApi => {
    const { tidbPublicKey, tidbPrivateKey } = run.credentials;
    if (!tidbPublicKey || !tidbPrivateKey) {
      throw new CliError(
        "tidb-keys-missing",
        "[tidb] is configured but the TiDB Cloud API key pair is not set.",
        {
          hint: "Create an API key at tidbcloud.com and put TIDB_PUBLIC_KEY=... and TIDB_PRIVATE_KEY=... in the environment or in .env next to pocket.toml.",
        },
      );
    }
    return new TidbApi({
      publicKey: tidbPublicKey,
      privateKey: tidbPrivateKey,
      pollMs: run.timing.tidbPollMs,
      iamUrl: run.vendorEndpoints.tidbIam,
      serverlessUrl: run.vendorEndpoints.tidbApi,
    });
  };

  /** True when a `tidb_database_url` managed secret has no value yet. */
  const urlNeeded = async (run: RunContext): Promise<boolean> => {
    const secrets = ctx.container?.secrets;
    const names = Object.entries(secrets?.managed ?? {})
      .filter(([, spec]) => spec.type === "tidb_database_url")
      .map(([name]) => name);
    if (!secrets || names.length === 0) return false;
    const stored = await managedSecretStore(run.aws(secrets.region), secrets, ctx.stage, ctx.project).read();
    return names.some((n) => stored[n] === undefined);
  };

  /** The TiDB Cloud project and, if it exists, the project's cluster. */
  const findCluster = async (api: TidbApi) => {
    const project = await api.project(t.project);
    return { project, cluster: await api.cluster(project.id, t.clusterName) };
  };

  const recorded = (run: RunContext) => bucketObject(run.aws(ctx.region), ctx.stateBucket, t.stateKey);

  const isRecorded = (r: Recorded | undefined, cluster: TidbCluster) =>
    r?.clusterId === cluster.clusterId && r.database === t.databaseName && r.user === t.sqlUser;

  const pending = async (run: RunContext, api: TidbApi): Promise<Change[]> => {
    const { cluster } = await findCluster(api);
    const changes: Change[] = [];
    if (!cluster)
      changes.push({ action: "create", target: `TiDB cluster ${t.clusterName}`, detail: t.apiRegion });
    if (!cluster || !isRecorded(await recorded(run).readJson<Recorded>(), cluster)) {
      changes.push({
        action: "create",
        target: `TiDB database ${t.databaseName}`,
        detail: `user ${t.sqlUser}`,
      });
    } else if (await urlNeeded(run)) {
      changes.push({
        action: "update",
        target: `TiDB user ${t.sqlUser}`,
        detail: "new password for the database URL secret",
      });
    }
    return changes;
  };

  const rootLogin = async (api: TidbApi, cluster: TidbCluster, progress: Progress, known?: string) => {
    let password = known;
    if (!password) {
      password = randomPassword();
      progress.update("setting a one-time root password");
      await api.setRootPassword(cluster.clusterId, password);
    }
    const endpoint = cluster.endpoints?.public;
    if (!cluster.userPrefix) {
      throw new CliError(
        "tidb-no-user-prefix",
        `the TiDB cluster ${t.clusterName} reports no user prefix yet.`,
        {
          hint: "The cluster may still be initialising; deploy again in a minute.",
        },
      );
    }
    if (!endpoint?.host) {
      throw new CliError("tidb-no-endpoint", `the TiDB cluster ${t.clusterName} has no public endpoint.`, {
        hint: "Enable the public endpoint of the cluster at tidbcloud.com, then deploy again.",
      });
    }
    return {
      host: endpoint.host,
      port: endpoint.port ?? 4000,
      user: `${cluster.userPrefix}.root`,
      password,
    };
  };

  return {
    id: "tidb",
    title: `TiDB database ${t.databaseName} (cluster ${t.clusterName})`,
    group: "tidb",
    dependsOn: ["state"],
    keep: { unless: "withData" },
    goesWith: "and the cluster, once it holds no other database",
    async status(run) {
      const { cluster } = await findCluster(apiFor(run));
      if (!cluster) return { state: "missing" };
      if (cluster.state !== "ACTIVE") {
        const busy = ["CREATING", "RESTORING", "MAINTENANCE", "DELETING", "IMPORTING", "MODIFYING"];
        return busy.includes(cluster.state ?? "")
          ? { state: "in-progress", detail: cluster.state }
          : { state: "failed", detail: `cluster ${cluster.state ?? "UNKNOWN"}` };
      }
      if (!isRecorded(await recorded(run).readJson<Recorded>(), cluster))
        return { state: "needs-update", detail: `database ${t.databaseName} not created by pocket yet` };
      return { state: "in-sync", detail: `host ${cluster.endpoints?.public?.host ?? "?"}` };
    },
    async plan(run) {
      return pending(run, apiFor(run));
    },
    async deploy(run, progress): Promise<DeployReport> {
      const api = apiFor(run);
      progress.update("looking up the TiDB Cloud project");
      const found = await findCluster(api);
      const { project } = found;
      let cluster = found.cluster;
      let rootPassword: string | undefined;
      const done: string[] = [];
      if (!cluster) {
        rootPassword = randomPassword();
        progress.update(`creating TiDB cluster ${t.clusterName}`);
        await api.createCluster({
          projectId: project.id,
          displayName: t.clusterName,
          region: t.apiRegion,
          rootPassword,
        });
        done.push("cluster");
      }
      if (cluster?.state !== "ACTIVE") {
        cluster = await api.waitActive(project.id, t.clusterName, (state) =>
          progress.update(`waiting for the cluster (${state})`),
        );
      }
      const needUrl = await urlNeeded(run);
      const record = recorded(run);
      if (!needUrl && isRecorded(await record.readJson<Recorded>(), cluster)) {
        return {
          changed: done.length > 0,
          summary: done.length ? `created ${done.join(", ")}` : "no changes",
        };
      }
      const root = await rootLogin(api, cluster, progress, rootPassword);
      const user = `${cluster.userPrefix}.${t.sqlUser}`;
      const password = randomPassword();
      progress.update(`creating database ${t.databaseName} and user ${user}`);
      const { ensureStageDatabase } = await import("./sql.js");
      await ensureStageDatabase(root, { database: t.databaseName, user, password, resetPassword: needUrl });
      await record.writeJson({
        clusterId: cluster.clusterId,
        database: t.databaseName,
        user: t.sqlUser,
      } satisfies Recorded);
      done.push(needUrl ? "database and user (password stored in the secret)" : "database and user");
      return {
        changed: true,
        summary: `created ${done.join(", ")}`,
        outputs: {
          host: root.host,
          ...(needUrl
            ? { databaseUrl: tidbDatabaseUrl(user, password, root.host, root.port, t.databaseName) }
            : {}),
        },
      };
    },
    async destroy(run, progress) {
      const api = apiFor(run);
      const { cluster } = await findCluster(api);
      if (!cluster) return { changed: false, summary: "already absent" };
      const root = await rootLogin(api, cluster, progress);
      progress.update(`dropping database ${t.databaseName}`);
      const { dropStageDatabase } = await import("./sql.js");
      const remaining = await dropStageDatabase(root, {
        database: t.databaseName,
        user: `${cluster.userPrefix}.${t.sqlUser}`,
      });
      await recorded(run).remove();
      // The cluster is shared by the project's stages: it goes with the last database.
      if (remaining.length > 0) {
        progress.log(`kept TiDB cluster ${t.clusterName}: it still holds ${remaining.join(", ")}`);
        return { changed: true, summary: "database dropped; cluster kept (other databases remain)" };
      }
      progress.update(`deleting TiDB cluster ${t.clusterName}`);
      await api.deleteCluster(cluster.clusterId);
      return { changed: true, summary: "database dropped, cluster deleted" };
    },
  };
}

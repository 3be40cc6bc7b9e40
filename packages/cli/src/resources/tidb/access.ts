import type { PocketContext, TidbContext } from "@magic-pocket/config";
import { CliError } from "../../errors.js";
import { type VendorKeyHelp, vendorKeys } from "../../util/vendor-fetch.js";
import type { Progress, RunContext } from "../resource.js";
import { randomString } from "../secrets/values.js";
import { TidbApi, type TidbCluster } from "./api.js";

/**
 * How pocket reaches TiDB Cloud: the API with the stage's key pair, and SQL as root with a
 * one-time password. No stage ever holds the root password: pocket sets a fresh one whenever it
 * has SQL to run and forgets it, so one stage's deploy never invalidates another stage's URL.
 */

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

/** What a TiDB deploy or destroy works with: the stage's context and run, and the API for its keys. */
export interface TidbStage {
  ctx: PocketContext;
  t: TidbContext;
  run: RunContext;
  api: TidbApi;
}

export function tidbStage(ctx: PocketContext, run: RunContext): TidbStage {
  return { ctx, t: ctx.tidb!, run, api: tidbApi(run) };
}

const TIDB_KEYS: VendorKeyHelp = {
  code: "tidb-keys-missing",
  message: "[tidb] is configured but the TiDB Cloud API key pair is not set.",
  create: "Create an API key at tidbcloud.com",
  variables: ["TIDB_PUBLIC_KEY", "TIDB_PRIVATE_KEY"],
};

/** The TiDB Cloud API with the run's key pair (an error that says where to put it when missing). */
export function tidbApi(run: RunContext): TidbApi {
  const { tidbPublicKey, tidbPrivateKey } = run.credentials;
  const [publicKey, privateKey] = vendorKeys([tidbPublicKey, tidbPrivateKey], TIDB_KEYS);
  return new TidbApi({
    publicKey,
    privateKey,
    pollMs: run.timing.tidbPollMs,
    iamUrl: run.vendorEndpoints.tidbIam,
    serverlessUrl: run.vendorEndpoints.tidbApi,
  });
}

/** The TiDB Cloud project and, if it exists, the project's cluster. */
export async function findCluster(api: TidbApi, t: TidbContext) {
  const project = await api.project(t.project);
  return { project, cluster: await api.cluster(project.id, t.clusterName) };
}

/** Root's SQL login: with the password just given to a new cluster, else a fresh one set now. */
export async function rootLogin(
  api: TidbApi,
  t: TidbContext,
  cluster: TidbCluster,
  progress: Progress,
  known?: string,
) {
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
  return { host: endpoint.host, port: endpoint.port ?? 4000, user: `${cluster.userPrefix}.root`, password };
}

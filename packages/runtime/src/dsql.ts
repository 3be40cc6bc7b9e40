import { PocketRuntimeError } from "./errors.js";

/**
 * Aurora DSQL connections (`[dsql]`): the deploy gives the functions `POCKET_DSQL_ENDPOINT` and
 * `POCKET_DSQL_REGION`; the password is an IAM token for the cluster's `admin` role (the role
 * the function may connect as, `dsql:DbConnectAdmin`). A token is a presigned request made
 * locally, without an AWS call, and is good for 15 minutes: `loadEnv()` puts one in
 * `POCKET_DSQL_TOKEN` at cold start, and a warm function opening a new connection later calls
 * `refreshDsqlToken()` first (docs/runtime-contract.md, as the Python runtime does).
 *
 * `dsqlPassword()` does that by itself as node-postgres's `password` callback, which pg calls for
 * every new connection: DSQL checks the token once, when a connection opens, so one with a minute
 * left is as good as a new one (docs/decisions.md#b13-aurora-dsql).
 */

/** How long a token is good for, in seconds (DSQL's 15 minutes, as the original). */
export const DSQL_TOKEN_SECONDS = 900;

/** POCKET_DSQL_ENDPOINT, or why there is none. */
function stageEndpoint(env: NodeJS.ProcessEnv): string {
  const endpoint = env.POCKET_DSQL_ENDPOINT;
  if (!endpoint) {
    throw new PocketRuntimeError(
      "dsql-missing",
      "POCKET_DSQL_ENDPOINT is not set: the stage has no [dsql] (or the function was not deployed by pocket)",
    );
  }
  return endpoint;
}

/** A fresh token for the stage's cluster, as `admin`. */
export async function dsqlToken(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const hostname = stageEndpoint(env);
  const region = env.POCKET_DSQL_REGION || env.POCKET_REGION || env.AWS_REGION;
  const { DsqlSigner } = await import("@aws-sdk/dsql-signer");
  return new DsqlSigner({ hostname, region, expiresIn: DSQL_TOKEN_SECONDS }).getDbConnectAdminAuthToken();
}

/** Makes a new token, puts it in `POCKET_DSQL_TOKEN` and returns it. */
export async function refreshDsqlToken(): Promise<string> {
  const token = await dsqlToken();
  process.env.POCKET_DSQL_TOKEN = token;
  return token;
}

/** A token with less than this left (seconds) is replaced before it opens a connection. */
export const DSQL_TOKEN_MARGIN_SECONDS = 60;

/** When a token stops working (its X-Amz-Date plus X-Amz-Expires, epoch ms), if it is one. */
export function dsqlTokenExpiresAt(token: string): number | undefined {
  const query = new URL(`https://${token}`).searchParams;
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(query.get("X-Amz-Date") ?? "");
  const seconds = Number(query.get("X-Amz-Expires") ?? Number.NaN);
  if (!date || !Number.isInteger(seconds)) return undefined;
  const [, y, mo, d, h, mi, s] = date.map(Number);
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) + seconds * 1000;
}

/**
 * The password for a connection about to open: `POCKET_DSQL_TOKEN` while it is for the stage's
 * endpoint and has more than DSQL_TOKEN_MARGIN_SECONDS left, else `refreshDsqlToken()`'s.
 */
export async function dsqlPassword(): Promise<string> {
  const token = process.env.POCKET_DSQL_TOKEN ?? "";
  const expires = token ? dsqlTokenExpiresAt(token) : undefined;
  const forEndpoint = token && new URL(`https://${token}`).hostname === process.env.POCKET_DSQL_ENDPOINT;
  if (forEndpoint && expires !== undefined && expires - Date.now() > DSQL_TOKEN_MARGIN_SECONDS * 1000) {
    return token;
  }
  return refreshDsqlToken();
}

/** node-postgres options (`new pg.Pool(dsqlConnectionOptions())`) for the stage's cluster. */
export interface DsqlConnectionOptions {
  host: string;
  port: number;
  user: string;
  database: string;
  /** TLS, the server's certificate verified (DSQL requires TLS). */
  ssl: true;
  password: () => Promise<string>;
}

/**
 * The stage's cluster with DSQL's documented settings: `admin` (the role `dsql:DbConnectAdmin`
 * allows), the `postgres` database, port 5432, TLS; the password is `dsqlPassword`, so every new
 * connection of a pool carries a token that is still good. Spread it to add the pool's own
 * options (DSQL closes a connection after an hour: pg's `maxLifetimeSeconds` retires them first).
 */
export function dsqlConnectionOptions(env: NodeJS.ProcessEnv = process.env): DsqlConnectionOptions {
  return {
    host: stageEndpoint(env),
    port: 5432,
    user: "admin",
    database: "postgres",
    ssl: true,
    password: dsqlPassword,
  };
}

import { PocketRuntimeError } from "./errors.js";

/**
 * Aurora DSQL connections (`[dsql]`): the deploy gives the functions `POCKET_DSQL_ENDPOINT` and
 * `POCKET_DSQL_REGION`; the password is an IAM token for the cluster's `admin` role (the role
 * the function may connect as, `dsql:DbConnectAdmin`). A token is a presigned request made
 * locally, without an AWS call, and is good for 15 minutes: `loadEnv()` puts one in
 * `POCKET_DSQL_TOKEN` at cold start, and a warm function opening a new connection later calls
 * `refreshDsqlToken()` first (docs/runtime-contract.md, as the Python runtime does).
 */

/** How long a token is good for, in seconds (DSQL's 15 minutes, as the original). */
export const DSQL_TOKEN_SECONDS = 900;

/** A fresh token for the stage's cluster, as `admin`. */
export async function dsqlToken(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const hostname = env.POCKET_DSQL_ENDPOINT;
  if (!hostname) {
    throw new PocketRuntimeError(
      "dsql-missing",
      "POCKET_DSQL_ENDPOINT is not set: the stage has no [dsql] (or the function was not deployed by pocket)",
    );
  }
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

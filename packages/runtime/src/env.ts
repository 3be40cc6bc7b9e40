/**
 * `loadEnv()`: the Node twin of the Python runtime's `set_envs` (docs/runtime-contract.md).
 *
 * Deployed (`POCKET_STAGE` set): secrets from `POCKET_SECRETS` and the RDS `DATABASE_URL` into
 * `process.env`, and the stage's hosts (API Gateway and CloudFront) merged into `ALLOWED_HOSTS`
 * and, as `https://` origins, `CSRF_TRUSTED_ORIGINS`. Not deployed: the `.env` beside
 * `pocket.toml` (searched upwards from the cwd), without overriding variables already set, and no
 * AWS call. Order, later wins: image environment < `.env` < managed < user < RDS `DATABASE_URL`.
 */
import { findTomlPath, readDotenv } from "./dotenv.js";
import { dsqlToken } from "./dsql.js";
import { isDeployed, pocketRegion } from "./names.js";
import { Clients, loadSecretValues, parseSecretsDocument, rdsDatabaseUrl } from "./secrets.js";

export interface LoadEnvOptions {
  /** Local runs: the `pocket.toml` whose `.env` to read, instead of searching from the cwd. */
  tomlPath?: string;
  /** Where stored values that no declaration names are reported (default: console.warn). */
  warn?: (message: string) => void;
}

let loaded = false;
let pending: Promise<void> | undefined;

/**
 * Loads the environment once per process. Concurrent callers share one load; the process is
 * marked done only after a success, so a failed cold start (a missing IAM permission, say) is
 * retried by the next call instead of leaving the secrets unset for the life of the container.
 */
export function loadEnv(options: LoadEnvOptions = {}): Promise<void> {
  if (loaded) return Promise.resolve();
  pending ??= load(options).then(
    () => {
      loaded = true;
      pending = undefined;
    },
    (err: unknown) => {
      pending = undefined;
      throw err;
    },
  );
  return pending;
}

/** Whether `loadEnv()` has completed in this process. */
export function envLoaded(): boolean {
  return loaded;
}

/**
 * Forgets that `loadEnv()` ran, so the next call loads again (tests; a long-lived process that
 * wants rotated values). Variables already written stay in `process.env`.
 */
export function resetEnvLoaded(): void {
  loaded = false;
  pending = undefined;
}

async function load(options: LoadEnvOptions): Promise<void> {
  const env = process.env;
  if (!isDeployed(env)) {
    const values = readDotenv(options.tomlPath ?? findTomlPath());
    for (const [k, v] of Object.entries(values)) if (env[k] === undefined) env[k] = v;
    return;
  }
  const clients = new Clients(pocketRegion(env));
  const raw = env.POCKET_SECRETS;
  // The RDS secret is read alongside the others; its value is applied last (it wins).
  const [secrets, databaseUrl, dsql] = await Promise.all([
    raw ? loadSecretValues(parseSecretsDocument(raw), clients, options.warn) : Promise.resolve({}),
    env.POCKET_RDS_SECRET_ARN ? rdsDatabaseUrl(env, clients) : Promise.resolve(undefined),
    // [dsql]: the cold start's IAM token (15 minutes; refreshDsqlToken() makes another).
    env.POCKET_DSQL_ENDPOINT ? dsqlToken(env) : Promise.resolve(undefined),
  ]);
  // Values are collected first and written together: a failed load changes nothing.
  Object.assign(env, secrets);
  if (databaseUrl !== undefined) env.DATABASE_URL = databaseUrl;
  if (dsql !== undefined) env.POCKET_DSQL_TOKEN = dsql;
  const stage = deployedHosts();
  const hosts = merge(split(env.ALLOWED_HOSTS), stage);
  if (hosts.length > 0) env.ALLOWED_HOSTS = hosts.join(",");
  const origins = merge(split(env.CSRF_TRUSTED_ORIGINS), stage.map(origin));
  if (origins.length > 0) env.CSRF_TRUSTED_ORIGINS = origins.join(",");
}

function split(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function merge(...lists: Iterable<string>[]): string[] {
  const out: string[] = [];
  for (const list of lists) for (const item of list) if (item && !out.includes(item)) out.push(item);
  return out;
}

// Every deployed host is served over HTTPS only (API Gateway and CloudFront viewers).
const origin = (host: string) => `https://${host}`;

const CLOUDFRONT_DOMAIN = /^POCKET_CLOUDFRONT_[A-Z0-9_]+_DOMAIN$/;

/**
 * The hosts the stage answers on: every API Gateway host in `POCKET_HOSTS`, then every
 * CloudFront distribution's domain (`POCKET_CLOUDFRONT_<NAME>_DOMAIN`, in name order).
 */
export function deployedHosts(env: NodeJS.ProcessEnv = process.env): string[] {
  const cloudfront = Object.keys(env)
    .filter((name) => CLOUDFRONT_DOMAIN.test(name))
    .sort()
    .map((name) => env[name]!.trim());
  return merge(split(env.POCKET_HOSTS), cloudfront);
}

/**
 * The hosts this app answers for: `base`, then the `ALLOWED_HOSTS` variable (a comma list, e.g.
 * from `.env`), then the stage's hosts (`deployedHosts()`); duplicates dropped.
 */
export function allowedHosts(base: Iterable<string> = []): string[] {
  return merge(base, split(process.env.ALLOWED_HOSTS), deployedHosts());
}

/**
 * Origins to trust for cross-site checks: `base`, the `CSRF_TRUSTED_ORIGINS` variable, then
 * `https://<host>` for each of the stage's hosts.
 */
export function trustedOrigins(base: Iterable<string> = []): string[] {
  return merge(base, split(process.env.CSRF_TRUSTED_ORIGINS), deployedHosts().map(origin));
}

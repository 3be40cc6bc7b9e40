import type { CloudFrontContext } from "@magic-pocket/config";
import { KVS_KEYS } from "../../cloudfront/functions/index.js";
import { CliError } from "../../errors.js";
import { type EdgeProtection, edgeProtection } from "../../templates/edge.js";
import type { Progress, RunContext } from "../resource.js";
import { managedSecretStore } from "../secrets/store.js";
import { basicAuthDigest } from "../secrets/values.js";
import { readKvsKey, writeKvsKey } from "./kvs.js";

/**
 * Copies what the edge functions read into the distribution's KeyValueStore on every deploy
 * (docs/decisions.md#p8-token-secret-synced-on-every-deploy): the SPA token secret (a managed
 * `spa_token_secret`) and the SHA-256 digest of the basic-auth `user:password` (a managed
 * `basic_auth_credential`; the password itself never leaves the secrets store). Each value is
 * compared first, so an unchanged secret makes no write; writes carry the store's ETag
 * (If-Match), so two deploys cannot overwrite each other's view of the store.
 */
export async function ensureEdgeSecretsInKvs(
  run: RunContext,
  cf: CloudFrontContext,
  kvsArn: string | undefined,
  progress: Progress,
  protection: EdgeProtection = edgeProtection(cf),
): Promise<boolean> {
  const wanted: { key: string; secret: string; what: string; value: (v: unknown) => string | undefined }[] =
    [];
  if (cf.tokenSecret) {
    wanted.push({
      key: cf.tokenSecret.kvsKey,
      secret: cf.tokenSecret.secret,
      what: "the SPA token secret",
      value: (v) => (typeof v === "string" ? v : undefined),
    });
  }
  if (protection.basicAuth) {
    wanted.push({
      key: KVS_KEYS.basicAuth,
      secret: protection.basicAuth.secret,
      what: "the basic-auth digest",
      value: (v) => basicAuthDigest(v),
    });
  }
  if (wanted.length === 0) return false;
  if (!kvsArn) {
    throw new CliError("kvs-missing", `the CloudFront stack ${cf.stackName} has no KeyValueStore output.`, {
      hint: "Deploy the distribution again; if it persists, check the stack's TokenKvs resource.",
    });
  }
  const secrets = run.ctx.container?.secrets;
  const stored = secrets
    ? await managedSecretStore(run.aws(secrets.region), secrets, run.ctx.stage, run.ctx.project).read()
    : {};
  let changed = false;
  for (const w of wanted) {
    const value = w.value(stored[w.secret]);
    if (value === undefined) {
      throw new CliError(
        w.key === KVS_KEYS.basicAuth ? "basic-auth-secret-missing" : "token-secret-missing",
        `the managed secret ${w.secret} does not exist yet.`,
        {
          hint: "Deploy the whole stage (`pocket deploy` creates secrets first), or run `pocket resource awscontainer secrets create-pocket-managed`.",
        },
      );
    }
    if ((await readKvsKey(run, kvsArn, w.key)) === value) continue;
    progress.update(`writing ${w.what} to the KeyValueStore`);
    await writeKvsKey(run, kvsArn, w.key, value);
    changed = true;
  }
  return changed;
}

/** The SPA token secret alone (kept for callers that only deal with the token). */
export function ensureTokenSecretInKvs(
  run: RunContext,
  cf: CloudFrontContext,
  kvsArn: string | undefined,
  progress: Progress,
): Promise<boolean> {
  if (!cf.tokenSecret) return Promise.resolve(false);
  return ensureEdgeSecretsInKvs(run, cf, kvsArn, progress, {});
}

import type { CloudFrontContext } from "@magic-pocket/config";
import { awsErrorName } from "../../aws/errors.js";
import { CliError } from "../../errors.js";
import type { Progress, RunContext } from "../resource.js";
import { managedSecretStore } from "../secrets/store.js";

/**
 * Copies the SPA token secret (a managed `spa_token_secret`) into the distribution's
 * KeyValueStore, where the edge function reads it, on every deploy
 * (docs/decisions.md#p8-token-secret-synced-on-every-deploy). The value is compared first, so an
 * unchanged secret makes no write; writes carry the store's ETag (If-Match), so two deploys
 * cannot overwrite each other's view of the store.
 */
export async function ensureTokenSecretInKvs(
  run: RunContext,
  cf: CloudFrontContext,
  kvsArn: string | undefined,
  progress: Progress,
): Promise<boolean> {
  const token = cf.tokenSecret;
  if (!token) return false;
  if (!kvsArn) {
    throw new CliError("kvs-missing", `the CloudFront stack ${cf.stackName} has no KeyValueStore output.`, {
      hint: "Deploy the distribution again; if it persists, check the stack's TokenKvs resource.",
    });
  }
  const secrets = run.ctx.container?.secrets;
  const value = secrets
    ? (await managedSecretStore(run.aws(secrets.region), secrets, run.ctx.stage, run.ctx.project).read())[
        token.secret
      ]
    : undefined;
  if (typeof value !== "string") {
    throw new CliError("token-secret-missing", `the managed secret ${token.secret} does not exist yet.`, {
      hint: "Deploy the whole stage (`pocket deploy` creates secrets first), or run `pocket resource awscontainer secrets create-pocket-managed`.",
    });
  }
  const kvs = await run.aws("us-east-1").cloudfrontKvs();
  const { DescribeKeyValueStoreCommand, GetKeyCommand, PutKeyCommand } = await import(
    "@aws-sdk/client-cloudfront-keyvaluestore"
  );
  let current: string | undefined;
  try {
    current = (await kvs.send(new GetKeyCommand({ KvsARN: kvsArn, Key: token.kvsKey }))).Value;
  } catch (error) {
    if (awsErrorName(error) !== "ResourceNotFoundException") throw error;
  }
  if (current === value) return false;
  progress.update("writing the SPA token secret to the KeyValueStore");
  const { ETag } = await kvs.send(new DescribeKeyValueStoreCommand({ KvsARN: kvsArn }));
  await kvs.send(new PutKeyCommand({ KvsARN: kvsArn, Key: token.kvsKey, Value: value, IfMatch: ETag }));
  return true;
}

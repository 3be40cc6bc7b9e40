import { LAMBDA_ENV_LIMIT, measureEnvironment, type PocketContext } from "@magic-pocket/config";
import { CliError } from "../../errors.js";
import { cfn, type Json } from "../template.js";
import { parameterNames } from "./parameters.js";

export { LAMBDA_ENV_LIMIT };

/**
 * The runtime contract (docs/decisions.md#r1-everything-arrives-through-the-environment,
 * docs/runtime-contract.md): every handler of the stage gets the same variables, so the code in
 * the image never calls AWS to discover a name.
 */
export function containerEnvironment(ctx: PocketContext): Record<string, Json> {
  const c = ctx.container!;
  const p = parameterNames();
  const env: Record<string, Json> = {
    POCKET_STAGE: ctx.stage,
    POCKET_PROJECT_NAME: ctx.project,
    POCKET_REGION: ctx.region,
  };
  const hosts: Json[] = [];
  for (const h of Object.values(c.handlers)) {
    if (!h.apigateway) continue;
    const host: Json =
      h.apigateway.domain ?? cfn.sub(`\${${h.logicalId}Api}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}`);
    env[h.apigateway.hostEnv] = host;
    env[h.apigateway.endpointEnv] =
      typeof host === "string" ? `https://${host}` : cfn.join("", ["https://", host]);
    hosts.push(host);
  }
  if (hosts.length > 0) {
    env.POCKET_HOSTS = hosts.every((h) => typeof h === "string") ? hosts.join(",") : cfn.join(",", hosts);
  }
  for (const h of Object.values(c.handlers)) {
    if (!h.sqs) continue;
    env[h.sqs.queueUrlEnv] = cfn.ref(`${h.logicalId}SqsQueue`);
    // The runtime must know whether Lambda reads batchItemFailures: when it does not, a failed
    // message has to raise, or it would be deleted with no retry and never reach the DLQ.
    env[`POCKET_${h.envKey}_REPORT_BATCH_ITEM_FAILURES`] = h.sqs.reportBatchItemFailures ? "true" : "false";
  }
  if (c.secrets) env.POCKET_SECRETS = JSON.stringify(c.secrets.runtime);
  if (c.usesRds && ctx.rds) {
    env.POCKET_RDS_SECRET_ARN = cfn.ref(p.rdsSecretArn);
    env.POCKET_RDS_ENDPOINT = cfn.ref(p.rdsEndpoint);
    env.POCKET_RDS_PORT = cfn.ref(p.rdsPort);
    env.POCKET_RDS_DBNAME = ctx.rds.databaseName;
  }
  for (const envName of Object.keys(c.signingKeyIds)) env[envName] = cfn.ref(p.signingKeyId(envName));
  for (const [envName, d] of Object.entries(c.distributionDomains)) {
    env[envName] = d.domain ?? cfn.ref(p.distributionDomain(envName));
  }
  if (ctx.ses) {
    env[ctx.ses.env.fromEmail] = ctx.ses.fromEmail;
    env[ctx.ses.env.region] = ctx.ses.region;
    if (ctx.ses.configurationSet) env[ctx.ses.env.configurationSet] = ctx.ses.configurationSet;
  }
  env.POCKET_DJANGO = JSON.stringify(c.django);
  for (const [k, v] of Object.entries(c.envs)) env[k] = v;
  return env;
}

/**
 * Fails before any AWS call when the variables would not fit Lambda's 4 KB, naming the largest.
 * Values resolved by CloudFormation are counted at a realistic size for what they become.
 */
export function checkEnvironmentSize(env: Record<string, Json>): void {
  // The same measure as `pocket config validate` (@magic-pocket/config), so both agree.
  const { total, sizes } = measureEnvironment(env);
  if (total <= LAMBDA_ENV_LIMIT) return;
  const largest = sizes
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map((s) => `${s.name} (${s.bytes} bytes)`)
    .join(", ");
  throw new CliError(
    "lambda-env-too-large",
    `the Lambda environment would be about ${total} bytes; Lambda allows ${LAMBDA_ENV_LIMIT}. Largest: ${largest}.`,
    {
      hint: "Move large values out of [awscontainer.envs] (into a managed or user secret, or a file in the image), or shorten django settings.",
    },
  );
}

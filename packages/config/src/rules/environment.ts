import { logicalId } from "../context/names.js";
import type { PocketContext } from "../context/types.js";
import type { Issue, PathSegment } from "../diagnostics.js";

/** Lambda's limit for all environment variable names and values of a function together. */
export const LAMBDA_ENV_LIMIT = 4096;

/** A variable's value as the container template writes it: text, or what CloudFormation resolves. */
export type EnvValue =
  | string
  | { Ref: string }
  | { "Fn::Sub": string }
  | { "Fn::Join": [string, EnvValue[]] }
  | Record<string, unknown>;

/**
 * Bytes each variable takes (name and value). Values CloudFormation resolves at deploy are
 * counted at a realistic size for what they become. The CLI measures its template's variables
 * with this same function, so `config validate` and the deploy agree.
 */
export function measureEnvironment(env: Readonly<Record<string, unknown>>): {
  total: number;
  sizes: { name: string; bytes: number }[];
} {
  const sizes = Object.entries(env).map(([name, v]) => ({
    name,
    bytes: Buffer.byteLength(name) + estimate(v),
  }));
  return { total: sizes.reduce((n, s) => n + s.bytes, 0), sizes };
}

function estimate(value: unknown): number {
  if (typeof value === "string") return Buffer.byteLength(value);
  if (value === null || typeof value !== "object" || Array.isArray(value)) return String(value).length;
  if ("Ref" in value) {
    const ref = String(value.Ref);
    // A queue URL is https://sqs.{region}.amazonaws.com/{account}/{name}; an ARN about as long.
    if (ref.endsWith("SqsQueue") || ref.includes("Arn")) return 110;
    return 60;
  }
  if ("Fn::Sub" in value) return 60; // {apiId}.execute-api.{region}.amazonaws.com
  if ("Fn::Join" in value) {
    const [sep, parts] = value["Fn::Join"] as [string, unknown[]];
    return parts.reduce<number>((n, p) => n + estimate(p), 0) + sep.length * Math.max(0, parts.length - 1);
  }
  return 100;
}

/** The container stack's parameters that variables refer to (the template names them). */
export interface EnvParameterNames {
  rdsSecretArn: string;
  rdsEndpoint: string;
  rdsPort: string;
  dsqlEndpoint: string;
  signingKeyId: (envName: string) => string;
  distributionDomain: (envName: string) => string;
  deployHash: string;
}

const PARAMETER_NAMES: EnvParameterNames = {
  rdsSecretArn: "RdsSecretArn",
  rdsEndpoint: "RdsEndpoint",
  rdsPort: "RdsPort",
  dsqlEndpoint: "DsqlEndpoint",
  signingKeyId: (name) => `SigningKeyId${logicalId(name)}`,
  distributionDomain: (name) => `DistributionDomain${logicalId(name)}`,
  deployHash: "DeployHash",
};

/**
 * The variables every function of the stage gets (docs/runtime-contract.md), with deploy-time
 * values in CloudFormation form: the container template writes exactly these (passing its
 * parameter names), and `config validate` measures them.
 */
export function lambdaEnvironment(
  ctx: PocketContext,
  p: EnvParameterNames = PARAMETER_NAMES,
): Record<string, EnvValue> {
  const c = ctx.container;
  if (!c) return {};
  const env: Record<string, EnvValue> = {
    POCKET_STAGE: ctx.stage,
    POCKET_PROJECT_NAME: ctx.project,
    POCKET_REGION: ctx.region,
  };
  if (c.name !== undefined) env.POCKET_CONTAINER = c.name;
  const hosts: EnvValue[] = [];
  for (const h of Object.values(c.handlers)) {
    if (!h.apigateway) continue;
    const host: EnvValue = h.apigateway.domain ?? {
      "Fn::Sub": `\${${h.logicalId}Api}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}`,
    };
    env[h.apigateway.hostEnv] = host;
    env[h.apigateway.endpointEnv] =
      typeof host === "string" ? `https://${host}` : { "Fn::Join": ["", ["https://", host]] };
    hosts.push(host);
  }
  if (hosts.length > 0) {
    env.POCKET_HOSTS = hosts.every((h) => typeof h === "string")
      ? hosts.join(",")
      : { "Fn::Join": [",", hosts] };
  }
  for (const h of Object.values(c.handlers)) {
    if (!h.sqs) continue;
    env[h.sqs.queueUrlEnv] = { Ref: `${h.logicalId}SqsQueue` };
    // The runtime must know whether Lambda reads batchItemFailures: when it does not, a failed
    // message has to raise, or it would be deleted with no retry and never reach the DLQ.
    env[`POCKET_${h.envKey}_REPORT_BATCH_ITEM_FAILURES`] = h.sqs.reportBatchItemFailures ? "true" : "false";
  }
  if (c.secrets) env.POCKET_SECRETS = JSON.stringify(c.secrets.runtime);
  if (c.usesRds && (ctx.rds || ctx.rdsExisting)) {
    env.POCKET_RDS_SECRET_ARN = { Ref: p.rdsSecretArn };
    env.POCKET_RDS_ENDPOINT = { Ref: p.rdsEndpoint };
    env.POCKET_RDS_PORT = { Ref: p.rdsPort };
    // An existing cluster's secret holds host, port and dbname: empty here means "from the secret".
    env.POCKET_RDS_DBNAME = ctx.rds?.databaseName ?? ctx.rdsExisting?.databaseName ?? "";
  }
  if (ctx.dsql) {
    // AWS chooses the cluster's id, so its endpoint comes from the deploy (docs/decisions.md#b13-aurora-dsql).
    env.POCKET_DSQL_ENDPOINT = { Ref: p.dsqlEndpoint };
    env.POCKET_DSQL_REGION = ctx.dsql.region;
  }
  for (const name of Object.keys(c.signingKeyIds)) env[name] = { Ref: p.signingKeyId(name) };
  for (const [name, d] of Object.entries(c.distributionDomains)) {
    env[name] = d.domain ?? { Ref: p.distributionDomain(name) };
  }
  if (ctx.ses) {
    env[ctx.ses.env.fromEmail] = ctx.ses.fromEmail;
    env[ctx.ses.env.region] = ctx.ses.region;
    if (ctx.ses.configurationSet) env[ctx.ses.env.configurationSet] = ctx.ses.configurationSet;
  }
  env.POCKET_DJANGO = JSON.stringify(c.django);
  if (c.deployHash) env.DEPLOY_HASH = { Ref: p.deployHash };
  for (const [k, v] of Object.entries(c.envs)) env[k] = v;
  return env;
}

/**
 * `config validate` refuses a stage whose functions' environment would not fit Lambda's 4 KB,
 * which the deploy would refuse later. Every handler gets the same variables, so one check per
 * stage covers each handler; the diagnostic names them and the largest variables, and points at
 * the user's own variable when one of the largest is theirs.
 */
export function environmentSizeIssues(ctx: PocketContext): Issue[] {
  const c = ctx.container;
  if (!c) return [];
  const { total, sizes } = measureEnvironment(lambdaEnvironment(ctx));
  if (total <= LAMBDA_ENV_LIMIT) return [];
  const largest = [...sizes].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
  const own = largest.find((s) => Object.hasOwn(c.envs, s.name));
  const path: PathSegment[] = own
    ? ["awscontainer", "envs", own.name]
    : largest[0]?.name === "POCKET_DJANGO"
      ? ["awscontainer", "django"]
      : ["awscontainer"];
  const handlers = Object.keys(c.handlers);
  return [
    {
      code: "lambda-env-too-large",
      message: `the Lambda environment of stage ${ctx.stage} would be about ${total} bytes; Lambda allows ${LAMBDA_ENV_LIMIT} (every handler gets it: ${handlers.join(", ") || "none yet"}). Largest: ${largest.map((s) => `${s.name} (${s.bytes} bytes)`).join(", ")}`,
      path,
      hint: "Move large values out of [awscontainer.envs] (into a managed or user secret, or a file in the image), or shorten django settings.",
    },
  ];
}

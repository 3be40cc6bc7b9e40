import { previewBase } from "../preview.js";
import { applyFormat, type FormatVariables } from "../schema/base.js";
import { parseSender } from "../schema/ses.js";
import type { SectionSettings, Settings } from "../schema/settings.js";
import { buildAlarms } from "./alarms.js";
import { buildBackup } from "./backup.js";
import { buildDistribution } from "./cloudfront.js";
import { buildContainer } from "./container.js";
import { resolveDjango } from "./django.js";
import { buildDsql } from "./dsql.js";
import { logicalId } from "./names.js";
import { previewContext, withPreviewBoundary } from "./preview.js";
import type {
  CloudFrontContext,
  ContainerContext,
  NeonContext,
  PocketContext,
  RdsContext,
  S3Context,
  ScheduleContext,
  SchedulerContext,
  SesContext,
  TidbContext,
  UpstashContext,
  VpcContext,
} from "./types.js";

/** Derives every name from validated settings. Pure: no AWS, no file system. */
export function buildContext(settings: Settings): PocketContext {
  const { general, stage } = settings;
  const vars: FormatVariables = { stage, project: general.projectName, namespace: general.namespace };
  const format = (t: string) => applyFormat(t, vars);
  const ctx = stageNames(settings, format);
  const base = previewBase(general, stage);
  if (base !== undefined) ctx.preview = previewContext(general, base, vars);
  if (settings.s3) ctx.s3 = buildS3(settings.s3, ctx, format);
  if (settings.vpc) ctx.vpc = buildVpc(settings.vpc, ctx, vpcUsers(settings));
  const cloudfront = buildDistributions(settings, ctx);
  if (Object.keys(cloudfront).length > 0) ctx.cloudfront = cloudfront;
  if (settings.awscontainer) ctx.container = buildContainer(settings, ctx, cloudfront, format);
  withPreviewBoundary(ctx);
  if (settings.ses) ctx.ses = buildSes(settings.ses, ctx.region);
  if (settings.scheduler && ctx.container)
    ctx.scheduler = buildScheduler(settings.scheduler, ctx, ctx.container);
  if (settings.rds?.managed === false) {
    ctx.rdsExisting = {
      secretArn: settings.rds.secretArn!,
      securityGroupId: settings.rds.securityGroupId!,
      databaseName: settings.rds.database,
      region: ctx.region,
    };
  } else if (settings.rds) ctx.rds = buildRds(settings.rds, ctx);
  if (settings.dsql) ctx.dsql = buildDsql(settings.dsql, ctx);
  if (settings.neon) ctx.neon = buildNeon(settings.neon, ctx);
  if (settings.tidb) ctx.tidb = buildTidb(settings.tidb, ctx);
  if (settings.upstash) ctx.upstash = buildUpstash(settings.upstash, ctx);
  if (settings.alarms) ctx.alarms = buildAlarms(settings.alarms, ctx);
  if (settings.backup) ctx.backup = buildBackup(settings.backup, ctx, ctx.rds, ctx.dsql);
  return ctx;
}

/** The names every stage has, whatever its sections: the prefix, the state bucket, local Django. */
function stageNames(settings: Settings, format: (t: string) => string): PocketContext {
  const { general, stage } = settings;
  const project = general.projectName;
  const resourcePrefix = format(general.prefixTemplate);
  return {
    stage,
    project,
    namespace: general.namespace,
    region: general.region,
    slug: `${stage}-${project}`,
    resourcePrefix,
    stateBucket: `${resourcePrefix}state`,
    lockKey: `locks/${stage}.json`,
    history: { records: `history/${stage}/deploys/`, templates: `history/${stage}/templates/` },
    djangoFallback: resolveDjango(general.djangoFallback, {
      bucketName: general.s3FallbackBucketName,
      cloudfront: {},
      signingEnvs: () => undefined,
      format,
    }),
  };
}

function buildS3(s3: SectionSettings<"s3">, ctx: PocketContext, format: (t: string) => string): S3Context {
  return {
    bucketName: format(s3.bucketNameFormat),
    region: ctx.region,
    versioning: s3.versioning,
    cors: s3.cors.map((c) => ({
      allowedOrigins: c.allowedOrigins,
      allowedMethods: c.allowedMethods,
      allowedHeaders: c.allowedHeaders,
      maxAge: c.maxAge,
    })),
    lifecycleRules: s3.lifecycleRules.map((r) => ({
      id: r.id,
      prefix: r.prefix,
      expirationDays: r.expirationDays,
      noncurrentVersionExpirationDays: r.noncurrentVersionExpirationDays,
    })),
  };
}

/** The sections that put resources in the VPC. */
function vpcUsers(settings: Settings): VpcContext["usedBy"] {
  const usedBy: VpcContext["usedBy"] = [];
  if (settings.awscontainer?.useVpc) usedBy.push("awscontainer");
  if (settings.rds?.useVpc) usedBy.push("rds");
  return usedBy;
}

function buildVpc(v: SectionSettings<"vpc">, ctx: PocketContext, usedBy: VpcContext["usedBy"]): VpcContext {
  const { region } = ctx;
  const name = `${v.ref}-${ctx.namespace}`;
  const zones = v.zoneSuffixes.map((z) => `${region}${z}`);
  return {
    ref: v.ref,
    name,
    stackName: `${name}-vpc`,
    region,
    manage: v.manage,
    sharable: v.sharable,
    zoneSuffixes: v.zoneSuffixes,
    zones: v.manage ? zones : [],
    natGateway: v.natGateway,
    internetGateway: v.internetGateway,
    usedBy,
    sharableTag: { key: "pocket:sharable", value: "true" },
    exports: {
      vpcId: `${name}-vpc-id`,
      privateSubnetPrefix: `${name}-private-subnet-`,
      privateSubnets: v.manage ? zones.map((_, i) => `${name}-private-subnet-${i + 1}`) : [],
      efsAccessPoint: `${name}-efs-access-point`,
      efsSecurityGroup: `${name}-efs-security-group`,
    },
    efs: v.efs
      ? { name, localMountPath: v.efs.localMountPath, accessPointPath: v.efs.accessPointPath }
      : undefined,
  };
}

function buildDistributions(settings: Settings, ctx: PocketContext): Record<string, CloudFrontContext> {
  const managed = settings.awscontainer?.secrets?.managed;
  const cloudfront: Record<string, CloudFrontContext> = {};
  for (const [name, d] of Object.entries(settings.cloudfront)) {
    cloudfront[name] = buildDistribution(name, d, {
      slug: ctx.slug,
      stage: ctx.stage,
      resourcePrefix: ctx.resourcePrefix,
      bucketName: ctx.s3!.bucketName,
      bucketRegion: ctx.region,
      signingKeyIdEnv: (secret) => {
        const spec = managed?.[secret];
        return `${secret}${spec?.type === "cloudfront_signing_key" ? spec.options.idEnvironSuffix : "_ID"}`;
      },
    });
  }
  return cloudfront;
}

function buildRds(rds: SectionSettings<"rds">, ctx: PocketContext): RdsContext {
  const { resourcePrefix, project, stage } = ctx;
  return {
    clusterIdentifier: `${resourcePrefix}aurora`,
    instanceIdentifier: `${resourcePrefix}aurora-1`,
    databaseName: `${project}_${stage}`.replace(/-/g, "_"),
    username: "postgres",
    subnetGroupName: `${resourcePrefix}aurora`,
    securityGroupName: `${resourcePrefix}aurora-rds`,
    engine: "aurora-postgresql",
    instanceClass: "db.serverless",
    minCapacity: rds.minCapacity,
    maxCapacity: rds.maxCapacity,
    backupRetentionDays: rds.backupRetentionDays,
    preferredBackupWindow: rds.preferredBackupWindow,
    region: ctx.region,
    finalSnapshotPrefix: `${resourcePrefix}aurora-final-`,
    ...(rds.snapshotIdentifier ? { snapshotIdentifier: rds.snapshotIdentifier } : {}),
  };
}

function buildNeon(neon: SectionSettings<"neon">, ctx: PocketContext): NeonContext {
  return {
    projectName: neon.projectName,
    branch: ctx.stage,
    ...(ctx.preview ? { parentBranch: ctx.preview.base } : {}),
    database: ctx.project,
    role: ctx.project,
    regionId: `aws-${ctx.region}`,
    pgVersion: neon.pgVersion,
    provisioning: neon.provisioning,
    apiKeySource: neon.apiKeySource,
  };
}

function buildUpstash(u: SectionSettings<"upstash">, ctx: PocketContext): UpstashContext {
  return {
    databaseName: `${ctx.project}-${ctx.stage}`,
    primaryRegion: "ap-southeast-1",
    budget: u.budget,
    provisioning: u.provisioning,
    apiKeySource: u.apiKeySource,
  };
}

function buildTidb(t: SectionSettings<"tidb">, ctx: PocketContext): TidbContext {
  const { project, stage } = ctx;
  return {
    clusterName:
      t.cluster ??
      project
        .replace(/[^A-Za-z0-9]/g, "-")
        .replace(/-+/g, "-")
        .replace(/^-|-$/g, ""),
    databaseName: `${project}_${stage}`.replace(/-/g, "_"),
    sqlUser: tidbSqlUser(stage),
    stateKey: "tidb/database.json",
    region: t.region,
    apiRegion: `regions/aws-${t.region}`,
    project: t.project,
    provisioning: t.provisioning,
    publicKeySource: t.publicKeySource,
    privateKeySource: t.privateKeySource,
  };
}

function buildScheduler(
  s: SectionSettings<"scheduler">,
  ctx: PocketContext,
  c: ContainerContext,
): SchedulerContext {
  const schedules: SchedulerContext["schedules"] = {};
  for (const [key, sch] of Object.entries(s.schedules)) {
    // Validation guarantees the handler exists and the payload matches its kind.
    const h = c.handlers[sch.handler]!;
    const target: ScheduleContext["target"] = h.queueName
      ? {
          kind: "sqs",
          queueName: h.queueName,
          input: typeof sch.message === "string" ? sch.message : JSON.stringify(sch.message ?? {}),
        }
      : h.isManagementCommand
        ? {
            kind: "lambda",
            handlerKind: "manage",
            functionName: h.functionName,
            input: JSON.stringify({ manage: sch.manage }),
          }
        : {
            kind: "lambda",
            handlerKind: "plain",
            functionName: h.functionName,
            input: JSON.stringify(sch.input ?? {}),
          };
    schedules[key] = {
      key,
      name: key,
      logicalId: logicalId("schedule", key),
      handler: sch.handler,
      expression: sch.cron !== undefined ? `cron(${sch.cron.trim()})` : `rate(${sch.rate!.trim()})`,
      timezone: sch.timezone,
      state: sch.enabled ? "ENABLED" : "DISABLED",
      description: sch.description,
      roleName: `${ctx.resourcePrefix}schedule-${key}`,
      target,
      deadLetterQueueName: h.deadLetterQueueName,
      // A management command is not retried (as its handler's own async invocations); other
      // targets get two more tries within the hour.
      retryPolicy: {
        maximumRetryAttempts: h.isManagementCommand && !h.queueName ? 0 : 2,
        maximumEventAgeInSeconds: 3600,
      },
    };
  }
  return { groupName: `${ctx.resourcePrefix}schedules`, region: ctx.region, schedules };
}

function buildSes(s: SectionSettings<"ses">, stageRegion: string): SesContext {
  // Validation guarantees a sender here.
  const sender = parseSender(s.fromEmail)!;
  const region = s.region ?? stageRegion;
  const arn = `arn:\${AWS::Partition}:ses:${region}:\${AWS::AccountId}`;
  const identity = sender.kind === "email" ? sender.address : sender.domain;
  const sendResources = [`${arn}:identity/${identity}`];
  if (sender.kind === "email") sendResources.push(`${arn}:identity/${sender.domain}`);
  if (s.configurationSet) sendResources.push(`${arn}:configuration-set/${s.configurationSet}`);
  return {
    fromEmail: s.fromEmail,
    region,
    identity,
    identityType: sender.kind,
    domain: sender.domain,
    sendResources,
    configurationSet: s.configurationSet,
    env: {
      fromEmail: "POCKET_SES_FROM_EMAIL",
      region: "POCKET_SES_REGION",
      configurationSet: "POCKET_SES_CONFIGURATION_SET",
    },
  };
}

/**
 * The stage's own SQL user on the shared cluster, without the cluster's `{userPrefix}.`: TiDB
 * Cloud Serverless user names are at most 32 characters, the prefix and dot take 17 of them.
 * Long stage names keep a hash so two stages never share a user.
 */
function tidbSqlUser(stage: string): string {
  const clean = stage.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  const name = `pk_${clean}`;
  if (name.length <= 15) return name;
  // node:crypto is taken here, not imported: only a long stage name needs it, and loading it is
  // start-up time for every command.
  const { createHash } = process.getBuiltinModule("node:crypto");
  return `pk_${clean.slice(0, 7)}_${createHash("sha256").update(stage).digest("hex").slice(0, 4)}`;
}

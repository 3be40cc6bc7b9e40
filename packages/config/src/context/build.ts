import { MANAGEMENT_COMMAND_HANDLER } from "../schema/awscontainer.js";
import { applyFormat, type FormatVariables } from "../schema/base.js";
import { secretsSchema } from "../schema/secrets.js";
import { parseSender } from "../schema/ses.js";
import type { DjangoSettings, SchedulerSettings, SesSettings, Settings } from "../schema/settings.js";
import { apiDomainExport, buildDistribution } from "./cloudfront.js";
import { resolveDjango } from "./django.js";
import { envKey, logicalId } from "./names.js";
import { buildSecrets } from "./secrets.js";
import type {
  CloudFrontContext,
  ContainerContext,
  HandlerContext,
  PocketContext,
  ScheduleContext,
  SchedulerContext,
  SesContext,
  VpcContext,
} from "./types.js";

const LOG_RETENTION_DAYS = 365;

/** Derives every name from validated settings. Pure: no AWS, no file system. */
export function buildContext(settings: Settings): PocketContext {
  const { general, stage } = settings;
  const project = general.projectName;
  const namespace = general.namespace;
  const region = general.region;
  const vars: FormatVariables = { stage, project, namespace };
  const format = (t: string) => applyFormat(t, vars);
  const slug = `${stage}-${project}`;
  const resourcePrefix = format(general.prefixTemplate);

  const ctx: PocketContext = {
    stage,
    project,
    namespace,
    region,
    slug,
    resourcePrefix,
    stateBucket: `${resourcePrefix}state`,
    djangoFallback: resolveDjango(general.djangoFallback, {
      bucketName: general.s3FallbackBucketName,
      cloudfront: {},
      signingEnvs: () => undefined,
      format,
    }),
  };
  if (settings.s3) {
    const s3 = settings.s3;
    ctx.s3 = {
      bucketName: format(s3.bucketNameFormat),
      region,
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

  const c = settings.awscontainer;
  const usedBy: VpcContext["usedBy"] = [];
  if (c?.useVpc) usedBy.push("awscontainer");
  if (settings.rds?.useVpc) usedBy.push("rds");
  if (settings.vpc) {
    const v = settings.vpc;
    const name = `${v.ref}-${namespace}`;
    const zones = v.zoneSuffixes.map((z) => `${region}${z}`);
    ctx.vpc = {
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

  const cloudfront: Record<string, CloudFrontContext> = {};
  for (const [name, d] of Object.entries(settings.cloudfront)) {
    cloudfront[name] = buildDistribution(name, d, {
      slug,
      resourcePrefix,
      bucketName: ctx.s3!.bucketName,
      bucketRegion: region,
      signingKeyIdEnv: (secret) => {
        const spec = c?.secrets?.managed[secret];
        return `${secret}${spec?.type === "cloudfront_signing_key" ? spec.options.idEnvironSuffix : "_ID"}`;
      },
    });
  }
  if (Object.keys(cloudfront).length > 0) ctx.cloudfront = cloudfront;

  if (c) ctx.container = buildContainer(settings, ctx, cloudfront, format);
  if (settings.ses) ctx.ses = buildSes(settings.ses, region);
  if (settings.scheduler && ctx.container)
    ctx.scheduler = buildScheduler(settings.scheduler, ctx, ctx.container);

  if (settings.rds) {
    ctx.rds = {
      clusterIdentifier: `${resourcePrefix}aurora`,
      instanceIdentifier: `${resourcePrefix}aurora-1`,
      databaseName: `${project}_${stage}`.replace(/-/g, "_"),
      username: "postgres",
      subnetGroupName: `${resourcePrefix}aurora`,
      securityGroupName: `${resourcePrefix}aurora-rds`,
      engine: "aurora-postgresql",
      instanceClass: "db.serverless",
      minCapacity: settings.rds.minCapacity,
      maxCapacity: settings.rds.maxCapacity,
      backupRetentionDays: settings.rds.backupRetentionDays,
      preferredBackupWindow: settings.rds.preferredBackupWindow,
      region,
      finalSnapshotPrefix: `${resourcePrefix}aurora-final-`,
    };
  }
  if (settings.neon) {
    ctx.neon = {
      projectName: settings.neon.projectName,
      branch: stage,
      database: project,
      role: project,
      regionId: `aws-${region}`,
      pgVersion: settings.neon.pgVersion,
      apiKeySource: settings.neon.apiKeySource,
    };
  }
  if (settings.tidb) {
    const t = settings.tidb;
    ctx.tidb = {
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
      publicKeySource: t.publicKeySource,
      privateKeySource: t.privateKeySource,
    };
  }
  return ctx;
}

/**
 * The Django block a deployed stage uses, as in the original: `[awscontainer.django]`, its
 * empty caches falling back to the local ones; without it, `[general.django_fallback]` resolved
 * against the stage's bucket.
 */
function stageDjango(settings: Settings): DjangoSettings {
  const fallback = settings.general.djangoFallback;
  const own = settings.awscontainer?.django;
  if (!own) return fallback;
  return { ...own, caches: Object.keys(own.caches).length > 0 ? own.caches : fallback.caches };
}

function buildContainer(
  settings: Settings,
  ctx: PocketContext,
  cloudfront: Record<string, CloudFrontContext>,
  format: (t: string) => string,
): ContainerContext {
  const c = settings.awscontainer!;
  const { slug, resourcePrefix: prefix, stage, region, namespace } = ctx;
  const apiTargets = new Set(
    Object.values(cloudfront).flatMap((cf) =>
      cf.routes.flatMap((r) => (r.type === "api" ? [r.handler] : [])),
    ),
  );
  const handlers: Record<string, HandlerContext> = {};
  let managementHandler: string | undefined;
  for (const [key, h] of Object.entries(c.handlers)) {
    const functionName = `${prefix}${key}`;
    const k = envKey(key);
    const isManagementCommand = h.command === MANAGEMENT_COMMAND_HANDLER;
    if (isManagementCommand) managementHandler = key;
    handlers[key] = {
      key,
      envKey: k,
      logicalId: logicalId(key),
      functionName,
      logGroupName: `/aws/lambda/${functionName}`,
      command: h.command,
      timeout: h.timeout,
      memorySize: h.memorySize,
      reservedConcurrency: h.reservedConcurrency,
      isManagementCommand,
      apiName: h.apigateway ? `${slug}-${key}` : undefined,
      queueName: h.sqs ? functionName : undefined,
      deadLetterQueueName: h.sqs ? `${functionName}-dead-letter` : undefined,
      visibilityTimeout: h.sqs ? h.timeout * 6 : undefined,
      apigateway: h.apigateway && {
        domain: h.apigateway.domain,
        createRecords: h.apigateway.createRecords,
        hostedZoneIdOverride: h.apigateway.hostedZoneIdOverride,
        disableExecuteApiEndpoint: !!h.apigateway.domain,
        accessLogGroupName: `${slug}-${key}-apigateway`,
        certificateLogicalId: `${logicalId(key)}Certificate`,
        certificateTag: `${slug}-${key}-cert`,
        exportApiDomain: apiTargets.has(key) ? apiDomainExport(slug, key) : undefined,
        hostEnv: `POCKET_${k}_HOST`,
        endpointEnv: `POCKET_${k}_ENDPOINT`,
      },
      sqs: h.sqs && { ...h.sqs, queueUrlEnv: `POCKET_${k}_QUEUEURL` },
    };
  }
  // Origin verification needs a managed secret even when the file declares none: the stage then
  // gets [awscontainer.secrets]' defaults (Secrets Manager, the default secret name).
  const originVerify = Object.values(settings.cloudfront).some((d) => d.enableOriginVerify);
  const secretSettings = c.secrets ?? (originVerify ? secretsSchema().parse({}) : undefined);
  const secrets = secretSettings
    ? buildSecrets(secretSettings, {
        pocketKey: format(secretSettings.pocketKeyFormat),
        region,
        stage,
        project: ctx.project,
        originVerify,
      })
    : undefined;
  const signingKeyIds: ContainerContext["signingKeyIds"] = {};
  const distributionDomains: ContainerContext["distributionDomains"] = {};
  for (const cf of Object.values(cloudfront)) {
    if (cf.signingKey) {
      signingKeyIds[cf.signingKey.idEnv] = {
        distribution: cf.name,
        keysStackName: cf.signingKey.keysStackName,
        outputKey: "PublicKeyId",
      };
    }
    distributionDomains[cf.domainEnv] = { distribution: cf.name, stackName: cf.stackName, domain: cf.domain };
  }
  const useEfs = c.useVpc && !!ctx.vpc?.efs;
  const build: {
    backend: ContainerContext["build"]["backend"];
    computeType?: string;
    depotProjectId?: string;
  } = c.build ?? { backend: "auto" };
  return {
    stackName: `${slug}-container`,
    region,
    dockerfilePath: c.dockerfilePath,
    platform: c.platform,
    ecrRepository: `${prefix}lambda`,
    imageTag: stage,
    roleName: `lambda-${slug}-${namespace}`,
    securityGroupName: c.useVpc ? `${prefix}lambda` : undefined,
    inlinePolicyNames: {
      secretsManager: `${prefix}access-secretsmanager`,
      ssm: `${prefix}access-ssm`,
      rdsSecret: `${prefix}access-rds-secret`,
      cloudFormation: `${prefix}access-cloudformation`,
    },
    permissionsBoundary: c.iam?.permissionsBoundary ?? c.permissionsBoundary,
    iam: {
      managedPolicyArns: c.iam?.managedPolicyArns ?? [],
      inlinePolicies: c.iam?.inlinePolicies ?? {},
    },
    build: {
      backend: build.backend,
      computeType: build.computeType ?? "BUILD_GENERAL1_MEDIUM",
      depotProjectId: build.depotProjectId,
      codebuildProject: `${prefix}codebuild`,
      codebuildRole: `forge-${prefix}codebuild-role`,
      codebuildSourceKey: `codebuild/${prefix}codebuild/source.zip`,
      codebuildStateKey: `codebuild/${prefix}codebuild/last-build.json`,
    },
    useVpc: c.useVpc,
    useEfs,
    efsLocalMountPath: useEfs ? ctx.vpc!.efs!.localMountPath : undefined,
    envs: c.envs,
    handlers,
    managementHandler,
    secrets,
    django: resolveDjango(stageDjango(settings), {
      bucketName: ctx.s3?.bucketName,
      cloudfront,
      signingEnvs: (name) => {
        const cf = cloudfront[name];
        const spec = cf?.signingKey && secrets?.managed[cf.signingKey.secret];
        return spec && spec.type === "cloudfront_signing_key"
          ? { id_env: spec.idEnv, pem_env: spec.pemEnv }
          : undefined;
      },
      efsMountPath: useEfs ? ctx.vpc!.efs!.localMountPath : undefined,
      format,
    }),
    signingKeyIds,
    distributionDomains,
    usesRds: !!settings.rds,
    logRetentionDays: LOG_RETENTION_DAYS,
  };
}

function buildScheduler(s: SchedulerSettings, ctx: PocketContext, c: ContainerContext): SchedulerContext {
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

function buildSes(s: SesSettings, stageRegion: string): SesContext {
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

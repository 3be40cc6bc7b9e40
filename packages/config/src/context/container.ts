import { type HandlerSettings, MANAGEMENT_COMMAND_HANDLER } from "../schema/awscontainer.js";
import { redisUrlSecret, secretsSchema } from "../schema/secrets.js";
import type { AwsContainerSettings, DjangoSettings, Settings } from "../schema/settings.js";
import { apiDomainExport } from "./cloudfront.js";
import { resolveDjango } from "./django.js";
import { envKey, logicalId } from "./names.js";
import { buildSecrets } from "./secrets.js";
import type {
  BuildContext,
  CloudFrontContext,
  ContainerContext,
  DjangoRuntime,
  HandlerContext,
  PocketContext,
  SecretsContext,
} from "./types.js";

const LOG_RETENTION_DAYS = 365;

/** The `[awscontainer]` context: the image, its role, its handlers, secrets and Django settings. */
export function buildContainer(
  settings: Settings,
  ctx: PocketContext,
  cloudfront: Record<string, CloudFrontContext>,
  format: (t: string) => string,
): ContainerContext {
  const c = settings.awscontainer!;
  const { slug, resourcePrefix: prefix, stage, region, namespace } = ctx;
  const { handlers, managementHandler } = buildHandlers(c, ctx, apiTargets(cloudfront));
  const secrets = containerSecrets(settings, ctx, format);
  const { signingKeyIds, distributionDomains } = distributionEnvs(cloudfront);
  const useEfs = c.useVpc && !!ctx.vpc?.efs;
  const efsMountPath = useEfs ? ctx.vpc!.efs!.localMountPath : undefined;
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
    build: buildBackend(c, prefix),
    useVpc: c.useVpc,
    useEfs,
    efsLocalMountPath: efsMountPath,
    envs: c.envs,
    handlers,
    managementHandler,
    secrets,
    django: containerDjango(settings, ctx, cloudfront, secrets, efsMountPath, format),
    signingKeyIds,
    distributionDomains,
    usesRds: !!settings.rds,
    deployHash: Object.values(cloudfront).some((cf) =>
      cf.routes.some((r) => r.type === "s3" && r.deployHash),
    ),
    logRetentionDays: LOG_RETENTION_DAYS,
    hotswap: { allowed: c.hotswap, driftKey: `hotswap/${slug}-container.json` },
  };
}

/** Handlers a CloudFront `api` route points at: their API domain is exported for the distribution. */
function apiTargets(cloudfront: Record<string, CloudFrontContext>): Set<string> {
  return new Set(
    Object.values(cloudfront).flatMap((cf) =>
      cf.routes.flatMap((r) => (r.type === "api" ? [r.handler] : [])),
    ),
  );
}

function buildHandlers(
  c: AwsContainerSettings,
  ctx: PocketContext,
  apiTargets: Set<string>,
): { handlers: Record<string, HandlerContext>; managementHandler?: string } {
  const handlers: Record<string, HandlerContext> = {};
  let managementHandler: string | undefined;
  for (const [key, h] of Object.entries(c.handlers)) {
    handlers[key] = buildHandler(key, h, ctx, apiTargets.has(key), h.tracing ?? c.tracing);
    if (handlers[key].isManagementCommand) managementHandler = key;
  }
  return { handlers, managementHandler };
}

function buildHandler(
  key: string,
  h: HandlerSettings,
  ctx: PocketContext,
  apiTarget: boolean,
  tracing: boolean,
): HandlerContext {
  const { slug, resourcePrefix: prefix } = ctx;
  const functionName = `${prefix}${key}`;
  const k = envKey(key);
  return {
    key,
    envKey: k,
    logicalId: logicalId(key),
    functionName,
    logGroupName: `/aws/lambda/${functionName}`,
    command: h.command,
    timeout: h.timeout,
    memorySize: h.memorySize,
    reservedConcurrency: h.reservedConcurrency,
    envs: h.envs,
    tracing,
    isManagementCommand: h.command === MANAGEMENT_COMMAND_HANDLER,
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
      exportApiDomain: apiTarget ? apiDomainExport(slug, key) : undefined,
      hostEnv: `POCKET_${k}_HOST`,
      endpointEnv: `POCKET_${k}_ENDPOINT`,
    },
    sqs: h.sqs && { ...h.sqs, queueUrlEnv: `POCKET_${k}_QUEUEURL` },
  };
}

function containerSecrets(
  settings: Settings,
  ctx: PocketContext,
  format: (t: string) => string,
): SecretsContext | undefined {
  // Origin verification needs a managed secret even when the file declares none: the stage then
  // gets [awscontainer.secrets]' defaults (Secrets Manager, the default secret name).
  const originVerify = Object.values(settings.cloudfront).some((d) => d.enableOriginVerify);
  const secretSettings =
    settings.awscontainer?.secrets ?? (originVerify ? secretsSchema().parse({}) : undefined);
  if (!secretSettings) return undefined;
  return buildSecrets(secretSettings, {
    pocketKey: format(secretSettings.pocketKeyFormat),
    region: ctx.region,
    stage: ctx.stage,
    project: ctx.project,
    originVerify,
  });
}

/** The variables each distribution gives the container: its signing key's id and its domain. */
function distributionEnvs(
  cloudfront: Record<string, CloudFrontContext>,
): Pick<ContainerContext, "signingKeyIds" | "distributionDomains"> {
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
  return { signingKeyIds, distributionDomains };
}

function buildBackend(c: AwsContainerSettings, prefix: string): BuildContext {
  const build: {
    backend: BuildContext["backend"];
    computeType?: string;
    depotProjectId?: string;
  } = c.build ?? { backend: "auto" };
  return {
    backend: build.backend,
    computeType: build.computeType ?? "BUILD_GENERAL1_MEDIUM",
    depotProjectId: build.depotProjectId,
    codebuildProject: `${prefix}codebuild`,
    codebuildRole: `forge-${prefix}codebuild-role`,
    codebuildSourceKey: `codebuild/${prefix}codebuild/source.zip`,
    codebuildStateKey: `codebuild/${prefix}codebuild/last-build.json`,
  };
}

function containerDjango(
  settings: Settings,
  ctx: PocketContext,
  cloudfront: Record<string, CloudFrontContext>,
  secrets: SecretsContext | undefined,
  efsMountPath: string | undefined,
  format: (t: string) => string,
): DjangoRuntime {
  return resolveDjango(stageDjango(settings), {
    bucketName: ctx.s3?.bucketName,
    cloudfront,
    signingEnvs: (name) => {
      const cf = cloudfront[name];
      const spec = cf?.signingKey && secrets?.managed[cf.signingKey.secret];
      return spec && spec.type === "cloudfront_signing_key"
        ? { id_env: spec.idEnv, pem_env: spec.pemEnv }
        : undefined;
    },
    efsMountPath,
    redisUrlEnv: redisUrlSecret(secrets && { secrets }),
    format,
  });
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

import type { DistributionSettings, RouteSettings } from "../schema/cloudfront.js";
import { commonFolder, envKey, keyPrefix, logicalId, routeName } from "./names.js";
import type { CloudFrontContext, RouteContext } from "./types.js";

export interface CloudFrontInputs {
  slug: string;
  stage: string;
  resourcePrefix: string;
  bucketName: string;
  bucketRegion: string;
  /** Env var of each signing key's public-key id: `{signing_key}{id_environ_suffix}`. */
  signingKeyIdEnv: (secret: string) => string;
}

export function buildDistribution(
  name: string,
  d: DistributionSettings,
  inputs: CloudFrontInputs,
): CloudFrontContext {
  const slug = `${inputs.slug}-${name}`;
  const routes = d.routes.map((r, index) => buildRoute(r, index, d, slug, inputs.resourcePrefix));
  const cfLogicalId = logicalId(slug);
  // A route without an origin path (the original's current spelling) serves its key folder.
  const s3Paths = routes.flatMap((r) => (r.type === "s3" ? [r.originPath || `/${r.keyPrefix}`] : []));
  return {
    name,
    region: "us-east-1",
    slug,
    stackName: `${slug}-cloudfront`,
    logicalId: cfLogicalId,
    bucketName: inputs.bucketName,
    bucketRegion: inputs.bucketRegion,
    domain: d.domain,
    hostedZoneIdOverride: d.hostedZoneIdOverride,
    originPath: d.originPath,
    redirectFrom: d.redirectFrom.map((r) => ({
      domain: r.domain,
      hostedZoneIdOverride: r.hostedZoneIdOverride,
      logicalId: logicalId(...r.domain.split(".")),
    })),
    routes,
    apiOrigins: apiOrigins(routes, inputs.slug),
    bucketPolicyPrefix: commonFolder(s3Paths),
    bucketPolicySid: `AllowCloudFrontReadOnly${cfLogicalId}`,
    originAccessControlName: `${slug}-oac`,
    certificateTag: `${slug}-cert`,
    signingKey: d.signingKey ? signingKey(d.signingKey, slug, inputs) : undefined,
    tokenSecret: d.tokenSecret ? tokenSecret(d.tokenSecret, slug) : undefined,
    domainEnv: `POCKET_CLOUDFRONT_${envKey(name)}_DOMAIN`,
    originVerify: d.enableOriginVerify
      ? { secret: "POCKET_ORIGIN_VERIFY_SECRET", header: "X-Pocket-Origin-Verify" }
      : undefined,
    basicAuth: d.basicAuth ? basicAuth(d.basicAuth, d, slug) : undefined,
    waf: d.waf ? waf(d.waf, slug) : undefined,
    releases: releases(d, routes, slug),
    managedAssets: d.managedAssets ? managedAssets(d.managedAssets, name, inputs) : undefined,
  };
}

/** `managed_assets` (docs/decisions.md#e23-managed-assets): names only, the folder is listed by the CLI. */
function managedAssets(dir: string, name: string, inputs: CloudFrontInputs): Part<"managedAssets"> {
  const keyPrefix = `pocket_managed/${name}`;
  return {
    dir,
    stageFolder: inputs.stage,
    fallbackFolder: "default",
    keyPrefix,
    originPath: `/${keyPrefix}`,
    originId: `${inputs.resourcePrefix}pocket_managed`,
  };
}

/** One route's names: an API origin for `type = "api"`, else a folder of the stage's bucket. */
function buildRoute(
  r: RouteSettings,
  index: number,
  d: DistributionSettings,
  slug: string,
  resourcePrefix: string,
): RouteContext {
  const rname = routeName(r.pathPattern);
  const base = {
    index,
    name: rname,
    logicalId: logicalId(rname) || `Route${index + 1}`,
    pathPattern: r.pathPattern,
    isDefault: r.isDefault,
    ref: r.ref,
  };
  if (r.type === "api") {
    return {
      ...base,
      type: "api" as const,
      handler: r.handler!,
      originId: `${resourcePrefix}api-${r.handler}`,
    };
  }
  const originPath = r.originPath ?? d.originPath;
  const prefix = keyPrefix(originPath, r.pathPattern);
  return {
    ...base,
    type: "s3" as const,
    originId: `${resourcePrefix}${rname}`,
    originPath,
    keyPrefix: prefix,
    isSpa: r.isSpa,
    isVersioned: r.isVersioned,
    deployHash: r.versioning === "deploy_hash",
    spaFallbackHtml: r.spaFallbackHtml,
    versionedMaxAge: r.versionedMaxAge,
    signed: r.signed,
    build: r.build,
    buildDir: r.buildDir,
    syncPrefix: r.buildDir !== undefined ? prefix : undefined,
    requireToken: r.requireToken,
    loginPath: r.loginPath,
    functionName: r.isSpa ? `${slug}-${rname}-fallback` : undefined,
    headersPolicyName: r.isVersioned || r.versioning ? `${slug}-${rname}-headers` : undefined,
  };
}

/** Each handler an `api` route points at: the container stack's export of its API domain. */
function apiOrigins(routes: RouteContext[], stageSlug: string): CloudFrontContext["apiOrigins"] {
  const origins: CloudFrontContext["apiOrigins"] = {};
  for (const r of routes) {
    if (r.type === "api")
      origins[r.handler] = { exportName: apiDomainExport(stageSlug, r.handler), originId: r.originId };
  }
  return origins;
}

/** One of a distribution's optional parts, as the context holds it when the file sets it. */
type Part<K extends keyof CloudFrontContext> = NonNullable<CloudFrontContext[K]>;

function signingKey(secret: string, slug: string, inputs: CloudFrontInputs): Part<"signingKey"> {
  return {
    secret,
    keysStackName: `${slug}-cloudfront-keys`,
    // Per distribution, unlike the original, whose names clashed with two signed
    // distributions (docs/decisions.md#n1-derived-names).
    publicKeyName: `${slug}-publickey`,
    keyGroupName: `${slug}-keygroup`,
    idEnv: inputs.signingKeyIdEnv(secret),
    exports: { publicKeyId: `${slug}-public-key-id`, keyGroupId: `${slug}-key-group-id` },
  };
}

function tokenSecret(secret: string, slug: string): Part<"tokenSecret"> {
  return {
    secret,
    kvsName: `${slug}-token-kvs`,
    kvsExport: `${slug}-token-kvs-arn`,
    kvsKey: "token_secret",
  };
}

function basicAuth(secret: string, d: DistributionSettings, slug: string): Part<"basicAuth"> {
  return {
    secret,
    exclude: d.basicAuthExclude,
    // Beside the token in one store when the distribution has both.
    kvsName: d.tokenSecret ? `${slug}-token-kvs` : `${slug}-auth-kvs`,
  };
}

/**
 * Atomic front-end releases (docs/decisions.md#e17-atomic-front-end-releases): on when a route
 * has a `build_dir` and `atomic_releases` is not false. The release id lives in the
 * distribution's KeyValueStore: the token's or basic auth's when there is one, else its own.
 */
function releases(
  d: DistributionSettings,
  routes: RouteContext[],
  slug: string,
): Part<"releases"> | undefined {
  if (!d.atomicReleases || !routes.some((r) => r.type === "s3" && r.buildDir !== undefined)) return undefined;
  return {
    kept: d.keptReleases,
    kvsKey: "release",
    folder: "_releases",
    kvsName: d.tokenSecret ? `${slug}-token-kvs` : d.basicAuth ? `${slug}-auth-kvs` : `${slug}-release-kvs`,
  };
}

function waf(w: NonNullable<DistributionSettings["waf"]>, slug: string): Part<"waf"> {
  return {
    webAclName: `${slug}-waf`,
    ipSetNames: { v4: `${slug}-allow-v4`, v6: `${slug}-allow-v6` },
    ipAllowList: w.ipAllowList,
    managedRuleGroups: w.managedRuleGroups,
    rateLimit: w.rateLimit,
    allowPaths: w.allowPaths,
    allowExactPaths: [],
  };
}

/** `{slug}-{handler}-api-domain`: exported by the container stack, imported by CloudFront. */
export function apiDomainExport(slug: string, handler: string): string {
  return `${slug}-${handler}-api-domain`;
}

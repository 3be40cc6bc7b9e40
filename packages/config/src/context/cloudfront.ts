import type { DistributionSettings } from "../schema/cloudfront.js";
import { commonFolder, envKey, keyPrefix, logicalId, routeName } from "./names.js";
import type { CloudFrontContext, RouteContext } from "./types.js";

export interface CloudFrontInputs {
  slug: string;
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
  const routes: RouteContext[] = d.routes.map((r, index) => {
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
        originId: `${inputs.resourcePrefix}api-${r.handler}`,
      };
    }
    const originPath = r.originPath ?? d.originPath;
    const prefix = keyPrefix(originPath, r.pathPattern);
    return {
      ...base,
      type: "s3" as const,
      originId: `${inputs.resourcePrefix}${rname}`,
      originPath,
      keyPrefix: prefix,
      isSpa: r.isSpa,
      isVersioned: r.isVersioned,
      spaFallbackHtml: r.spaFallbackHtml,
      versionedMaxAge: r.versionedMaxAge,
      signed: r.signed,
      build: r.build,
      buildDir: r.buildDir,
      syncPrefix: r.buildDir !== undefined ? prefix : undefined,
      requireToken: r.requireToken,
      loginPath: r.loginPath,
      functionName: r.isSpa ? `${slug}-${rname}-fallback` : undefined,
      headersPolicyName: r.isVersioned ? `${slug}-${rname}-headers` : undefined,
    };
  });
  const apiOrigins: CloudFrontContext["apiOrigins"] = {};
  for (const r of routes) {
    if (r.type === "api")
      apiOrigins[r.handler] = { exportName: apiDomainExport(inputs.slug, r.handler), originId: r.originId };
  }
  const cfLogicalId = logicalId(slug);
  const s3Paths = routes.flatMap((r) => (r.type === "s3" ? [r.originPath] : []));
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
    apiOrigins,
    bucketPolicyPrefix: commonFolder(s3Paths),
    bucketPolicySid: `AllowCloudFrontReadOnly${cfLogicalId}`,
    originAccessControlName: `${slug}-oac`,
    certificateTag: `${slug}-cert`,
    signingKey: d.signingKey
      ? {
          secret: d.signingKey,
          keysStackName: `${slug}-cloudfront-keys`,
          // Per distribution, unlike the original, whose names clashed with two signed
          // distributions (docs/decisions.md#n1-derived-names).
          publicKeyName: `${slug}-publickey`,
          keyGroupName: `${slug}-keygroup`,
          idEnv: inputs.signingKeyIdEnv(d.signingKey),
          exports: { publicKeyId: `${slug}-public-key-id`, keyGroupId: `${slug}-key-group-id` },
        }
      : undefined,
    tokenSecret: d.tokenSecret
      ? {
          secret: d.tokenSecret,
          kvsName: `${slug}-token-kvs`,
          kvsExport: `${slug}-token-kvs-arn`,
          kvsKey: "token_secret",
        }
      : undefined,
    domainEnv: `POCKET_CLOUDFRONT_${envKey(name)}_DOMAIN`,
    originVerify: d.enableOriginVerify
      ? { secret: "POCKET_ORIGIN_VERIFY_SECRET", header: "X-Pocket-Origin-Verify" }
      : undefined,
    basicAuth: d.basicAuth
      ? {
          secret: d.basicAuth,
          exclude: d.basicAuthExclude,
          kvsName: d.tokenSecret ? `${slug}-token-kvs` : `${slug}-auth-kvs`,
        }
      : undefined,
    waf: d.waf
      ? {
          webAclName: `${slug}-waf`,
          ipSetNames: { v4: `${slug}-allow-v4`, v6: `${slug}-allow-v6` },
          ipAllowList: d.waf.ipAllowList,
          managedRuleGroups: d.waf.managedRuleGroups,
          rateLimit: d.waf.rateLimit,
          allowPaths: d.waf.allowPaths,
        }
      : undefined,
  };
}

/** `{slug}-{handler}-api-domain`: exported by the container stack, imported by CloudFront. */
export function apiDomainExport(slug: string, handler: string): string {
  return `${slug}-${handler}-api-domain`;
}

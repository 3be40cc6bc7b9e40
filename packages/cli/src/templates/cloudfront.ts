import type {
  ApiRouteContext,
  CloudFrontContext,
  OriginalShape,
  RouteContext,
  S3RouteContext,
} from "@magic-pocket/config";
import { logicalId } from "@magic-pocket/config";
import {
  CLOUDFRONT_FUNCTION_MAX_BYTES,
  KVS_ID_PLACEHOLDER,
  needsViewerRequestFunction,
  usesKvs,
  type ViewerRequestOptions,
  viewerRequestFunction,
} from "../cloudfront/functions/index.js";
import { CliError } from "../errors.js";
import {
  aliasRecords,
  certificate,
  hostedZone,
  redirectResources,
  viewerCertificate,
} from "./cloudfront-domains.js";
import { type EdgeProtection, edgeProtection, KVS_LOGICAL_ID, ORIGIN_VERIFY_HEADER } from "./edge.js";
import { RELEASE_PIN_ID, releasePinAssociation, releasePinResource } from "./release-pin.js";
import { cfn, type Json, type Template, type TemplateParameter, type TemplateResource } from "./template.js";
import { WAF_IDS, wafResources } from "./waf.js";

/** AWS managed policies (ids are the same in every account). */
export const MANAGED_POLICY = {
  cachingOptimized: "658327ea-f89d-4fab-a63d-7e88639e58f6",
  cachingDisabled: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
  allViewerExceptHostHeader: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
} as const;

export { CLOUDFRONT_ALIAS_ZONE } from "./cloudfront-domains.js";

const ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"];

/**
 * Deploy-time values of a CloudFront stack. They are Parameters because the stack lives in
 * us-east-1 and cannot import values exported in `general.region` (the API domains), and because
 * hosted-zone ids come from a Route 53 lookup (docs/decisions.md#d10-hosted-zone-lookup-by-suffix)
 * that `yaml` must not need.
 */
export interface CloudFrontParameters {
  /** Parameter name → what the deploy must pass. */
  [name: string]: { kind: "hosted-zone"; domain: string } | { kind: "api-domain"; exportName: string };
}

export function cloudfrontParameters(cf: CloudFrontContext): CloudFrontParameters {
  const out: CloudFrontParameters = {};
  if (cf.domain && !cf.hostedZoneIdOverride) out.HostedZoneId = { kind: "hosted-zone", domain: cf.domain };
  for (const rf of cf.redirectFrom) {
    if (!rf.hostedZoneIdOverride)
      out[`HostedZoneId${rf.logicalId}`] = { kind: "hosted-zone", domain: rf.domain };
  }
  for (const [handler, origin] of Object.entries(cf.apiOrigins)) {
    out[apiDomainParameter(handler)] = { kind: "api-domain", exportName: origin.exportName };
  }
  return out;
}

/**
 * The NoEcho parameter the deploy fills with the origin-verify secret, so the value is never in
 * the template (`pocket resource cloudfront yaml` prints it without AWS access).
 */
export const ORIGIN_VERIFY_PARAMETER = "OriginVerifySecret";

export function apiDomainParameter(handler: string): string {
  return `ApiDomain${logicalId(handler)}`;
}

const DISTRIBUTION_ID = "CloudFrontDistribution";

/** The original's certificate and aliases, kept on a stage its current version deployed (takeover/detect.ts). */
export type AdoptedCertificate = NonNullable<OriginalShape["acmCertificates"]>[string];

/** `{cfSlug}-cloudfront` (us-east-1): one distribution with its routes, functions and DNS. */
export function cloudfrontTemplate(
  cf: CloudFrontContext,
  protection: EdgeProtection = edgeProtection(cf),
  adopted?: AdoptedCertificate,
): Template {
  const parameters = templateParameters(cf, protection);
  const zone = hostedZone(cf.hostedZoneIdOverride, "HostedZoneId");
  // An adopted stage's certificate is its {cfslug}-acm stack's, named by ARN; its redirect_from
  // domains are aliases of the one distribution, and every behaviour's function answers other
  // hosts with a 301 (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original).
  const ownCertificate = cf.domain && !adopted;
  const canonicalHost = adopted && cf.redirectFrom.length > 0 ? cf.domain : undefined;
  const resources: Record<string, TemplateResource> = {
    OriginAccessControl: originAccessControl(cf),
    ...(ownCertificate ? { Certificate: certificate(cf.domain!, zone, cf.certificateTag) } : {}),
    ...(protection.kvs ? { [KVS_LOGICAL_ID]: keyValueStore(cf, protection) } : {}),
    ...(protection.waf ? wafResources(protection.waf) : {}),
  };
  const dependsOn = ["OriginAccessControl", ...(ownCertificate ? ["Certificate"] : [])];
  const behaviors = routeBehaviors(cf, protection, resources, dependsOn, canonicalHost);
  // Logical ids are the original's, so a stage it deployed keeps its distribution, functions,
  // header policies and records (docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original).
  resources[DISTRIBUTION_ID] = distribution(cf, protection, behaviors, dependsOn, adopted);
  if (cf.domain) Object.assign(resources, aliasRecords("", cf.domain, zone, DISTRIBUTION_ID));
  for (const rf of cf.redirectFrom) {
    const rfZone = hostedZone(rf.hostedZoneIdOverride, `HostedZoneId${rf.logicalId}`);
    Object.assign(
      resources,
      adopted
        ? aliasRecords(rf.logicalId, rf.domain, rfZone, DISTRIBUTION_ID)
        : redirectResources(cf, rf, DISTRIBUTION_ID, MANAGED_POLICY.cachingDisabled),
    );
  }
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `magic-pocket CloudFront distribution ${cf.slug}`,
    ...(Object.keys(parameters).length > 0 ? { Parameters: parameters } : {}),
    Resources: resources,
    Outputs: templateOutputs(protection),
  };
}

function templateParameters(
  cf: CloudFrontContext,
  protection: EdgeProtection,
): Record<string, TemplateParameter> {
  const parameters: Record<string, TemplateParameter> = {};
  for (const [name, p] of Object.entries(cloudfrontParameters(cf))) {
    parameters[name] =
      p.kind === "hosted-zone"
        ? {
            Type: "String",
            Description: `Route 53 hosted zone id for ${p.domain}`,
            AllowedPattern: "Z[A-Z0-9]+",
          }
        : {
            Type: "String",
            Description: `execute-api domain of the container stack export ${p.exportName}`,
            AllowedPattern: "[a-z0-9]+\\.execute-api\\.[a-z0-9-]+\\.amazonaws\\.com",
          };
  }
  if (protection.originVerify) {
    parameters[ORIGIN_VERIFY_PARAMETER] = {
      Type: "String",
      NoEcho: true,
      Description: `${ORIGIN_VERIFY_HEADER} value for the API origins (managed secret ${protection.originVerify.secret})`,
      AllowedPattern: "[A-Za-z0-9_.~-]{32,}",
    };
  }
  for (const h of protection.waf?.allowHeaders ?? []) {
    parameters[h.parameter] = {
      Type: "String",
      NoEcho: true,
      Description: `x-pocket-waf-allow value of a WAF allow rule (managed secret ${h.secret})`,
      // WAF compares at most 200 bytes; a header value holds no white space.
      AllowedPattern: "\\S{16,200}",
    };
  }
  return parameters;
}

/** CloudFront signs every request to the bucket (SigV4): the bucket policy admits this distribution only. */
const OAC_SIGNING = {
  OriginAccessControlOriginType: "s3",
  SigningBehavior: "always",
  SigningProtocol: "sigv4",
};

function originAccessControl(cf: CloudFrontContext): TemplateResource {
  return {
    Type: "AWS::CloudFront::OriginAccessControl",
    Properties: { OriginAccessControlConfig: { Name: cf.originAccessControlName, ...OAC_SIGNING } },
  };
}

function keyValueStore(cf: CloudFrontContext, protection: EdgeProtection): TemplateResource {
  const held = [
    ...(protection.basicAuth ? ["basic auth digest"] : []),
    ...(cf.tokenSecret ? ["SPA token secret"] : []),
    ...(cf.releases ? ["front-end release id"] : []),
  ];
  return {
    Type: "AWS::CloudFront::KeyValueStore",
    Properties: { Name: protection.kvs!.name, Comment: `${held.join(" and ")} of ${cf.slug}` },
  };
}

/**
 * Each route's cache behavior, with its viewer-request function and (versioned assets) its
 * response headers policy; those are added to `resources` and to the distribution's `dependsOn`.
 */
function routeBehaviors(
  cf: CloudFrontContext,
  protection: EdgeProtection,
  resources: Record<string, TemplateResource>,
  dependsOn: string[],
  canonicalHost?: string,
): Map<RouteContext, Record<string, Json>> {
  const behaviors = new Map<RouteContext, Record<string, Json>>();
  // One function per distinct code: routes with the same needs share it.
  const functionIds = new Map<string, string>();
  const attachFunction = (route: RouteContext, behavior: Record<string, Json>) => {
    const options = viewerRequestOptions(cf, protection, route, canonicalHost);
    if (!options) return;
    const source = checkedFunctionSource(cf, route, options);
    let id = functionIds.get(source);
    if (!id) {
      id = hostRedirectOnly(options)
        ? "HostRedirectFunction"
        : route.type === "s3" && route.isSpa
          ? `UrlFallbackFunction${route.logicalId}`
          : `EdgeFunction${route.logicalId}`;
      resources[id] = edgeFunction(cf, route, options, source);
      functionIds.set(source, id);
      dependsOn.push(id);
    }
    const associations: Json[] = [
      { EventType: "viewer-request", FunctionARN: cfn.getAtt(id, "FunctionARN") },
    ];
    if (options.release) {
      if (!resources[RELEASE_PIN_ID]) {
        resources[RELEASE_PIN_ID] = releasePinResource(cf);
        dependsOn.push(RELEASE_PIN_ID);
      }
      associations.push(releasePinAssociation());
    }
    behavior.FunctionAssociations = associations;
  };
  for (const route of cf.routes) {
    const behavior = route.type === "api" ? apiBehavior(route) : s3Behavior(cf, route);
    attachFunction(route, behavior);
    if (route.type === "s3" && (route.isVersioned || route.deployHash)) {
      const id = `ResponseHeadersPolicy${route.logicalId}`;
      resources[id] = versionedHeadersPolicy(route);
      behavior.ResponseHeadersPolicyId = cfn.ref(id);
      dependsOn.push(id);
    }
    behaviors.set(route, behavior);
  }
  return behaviors;
}

function checkedFunctionSource(
  cf: CloudFrontContext,
  route: RouteContext,
  options: ViewerRequestOptions,
): string {
  const source = viewerRequestFunction(options);
  if (Buffer.byteLength(source) > CLOUDFRONT_FUNCTION_MAX_BYTES) {
    throw new CliError(
      "edge-function-too-large",
      `the viewer-request function of ${cf.name} route ${route.pathPattern || "/"} would be ${Buffer.byteLength(source)} bytes; CloudFront allows ${CLOUDFRONT_FUNCTION_MAX_BYTES}.`,
      { hint: "Shorten basic_auth_exclude (fewer, shorter prefixes)." },
    );
  }
  return source;
}

function versionedHeadersPolicy(route: S3RouteContext): TemplateResource {
  return {
    Type: "AWS::CloudFront::ResponseHeadersPolicy",
    Properties: {
      ResponseHeadersPolicyConfig: {
        Name: route.headersPolicyName!,
        Comment: `long cache for versioned assets under ${route.pathPattern || "/"}`,
        CustomHeadersConfig: {
          Items: [
            {
              Header: "cache-control",
              Value: `public, max-age=${route.versionedMaxAge}, immutable`,
              Override: true,
            },
          ],
        },
      },
    },
  };
}

function distribution(
  cf: CloudFrontContext,
  protection: EdgeProtection,
  behaviors: Map<RouteContext, Record<string, Json>>,
  dependsOn: string[],
  adopted: AdoptedCertificate | undefined,
): TemplateResource {
  const defaultRoute = cf.routes.find((r) => r.isDefault)!;
  const { PathPattern: _unused, ...defaultBehavior } = behaviors.get(defaultRoute)!;
  const cacheBehaviors = cf.routes.filter((r) => !r.isDefault).map((r) => behaviors.get(r)!);
  return {
    Type: "AWS::CloudFront::Distribution",
    DependsOn: dependsOn,
    Properties: {
      DistributionConfig: {
        Comment: cf.slug,
        Enabled: true,
        HttpVersion: "http2and3",
        IPV6Enabled: true,
        ...(cf.domain
          ? { Aliases: adopted ? [cf.domain, ...cf.redirectFrom.map((rf) => rf.domain)] : [cf.domain] }
          : {}),
        Origins: origins(cf, protection),
        DefaultCacheBehavior: defaultBehavior,
        ...(cacheBehaviors.length > 0 ? { CacheBehaviors: cacheBehaviors } : {}),
        ViewerCertificate: viewerCertificate(
          cf.domain ? (adopted?.arn ?? cfn.ref("Certificate")) : undefined,
        ),
        ...(protection.waf ? { WebACLId: cfn.getAtt(WAF_IDS.webAcl, "Arn") } : {}),
        ...(protection.keptWebAclArn ? { WebACLId: protection.keptWebAclArn } : {}),
      },
    },
  };
}

function templateOutputs(protection: EdgeProtection): Template["Outputs"] {
  const outputs: Template["Outputs"] = {
    DistributionId: { Value: cfn.ref(DISTRIBUTION_ID) },
    DistributionDomainName: { Value: cfn.getAtt(DISTRIBUTION_ID, "DomainName") },
  };
  if (protection.kvs) {
    outputs.TokenKvsArn = {
      Value: cfn.getAtt(KVS_LOGICAL_ID, "Arn"),
      ...(protection.kvs.exportName ? { Export: { Name: protection.kvs.exportName } } : {}),
    };
  }
  // `pocket waf ip` finds the original's IP set from this web ACL's rules (waf-ip.ts).
  if (protection.keptWebAclArn) outputs.OriginalWebAclArn = { Value: protection.keptWebAclArn };
  if (protection.waf) {
    outputs.WebAclArn = { Value: cfn.getAtt(WAF_IDS.webAcl, "Arn") };
    if (protection.waf.ipSets) {
      outputs.AllowListV4Id = { Value: cfn.getAtt(WAF_IDS.ipSetV4, "Id") };
      outputs.AllowListV6Id = { Value: cfn.getAtt(WAF_IDS.ipSetV6, "Id") };
    }
  }
  return outputs;
}

function origins(cf: CloudFrontContext, protection: EdgeProtection): Json[] {
  const out: Json[] = [];
  for (const route of cf.routes) {
    // The behaviours of managed assets share one origin (templates/managed-assets.ts).
    if (route.type === "s3" && !out.some((o) => (o as { Id: string }).Id === route.originId)) {
      out.push({
        Id: route.originId,
        DomainName: `${cf.bucketName}.s3.${cf.bucketRegion}.amazonaws.com`,
        OriginPath: route.originPath,
        OriginAccessControlId: cfn.getAtt("OriginAccessControl", "Id"),
        // OAC replaces the legacy origin access identity, which must then be empty.
        S3OriginConfig: { OriginAccessIdentity: "" },
      });
    }
  }
  for (const [handler, origin] of Object.entries(cf.apiOrigins)) {
    out.push({
      Id: origin.originId,
      DomainName: cfn.ref(apiDomainParameter(handler)),
      CustomOriginConfig: {
        OriginProtocolPolicy: "https-only",
        HTTPSPort: 443,
        OriginSSLProtocols: ["TLSv1.2"],
      },
      // CloudFront replaces a viewer header of the same name, so a viewer cannot forge it.
      ...(protection.originVerify
        ? {
            OriginCustomHeaders: [
              { HeaderName: ORIGIN_VERIFY_HEADER, HeaderValue: cfn.ref(ORIGIN_VERIFY_PARAMETER) },
            ],
          }
        : {}),
    });
  }
  return out;
}

function s3Behavior(cf: CloudFrontContext, route: S3RouteContext): Record<string, Json> {
  const behavior: Record<string, Json> = {
    PathPattern: route.pathPattern,
    TargetOriginId: route.originId,
    ViewerProtocolPolicy: "redirect-to-https",
    CachePolicyId: MANAGED_POLICY.cachingOptimized,
    Compress: true,
  };
  if (route.signed && cf.signingKey) {
    // Same region (us-east-1) as the keys stack, so an import is allowed and pins the order.
    behavior.TrustedKeyGroups = [cfn.importValue(cf.signingKey.exports.keyGroupId)];
  }
  return behavior;
}

function apiBehavior(route: ApiRouteContext): Record<string, Json> {
  return {
    PathPattern: route.pathPattern,
    TargetOriginId: route.originId,
    ViewerProtocolPolicy: "redirect-to-https",
    CachePolicyId: MANAGED_POLICY.cachingDisabled,
    // Every viewer header, cookie and query string except Host, which API Gateway must see as its own.
    OriginRequestPolicyId: MANAGED_POLICY.allViewerExceptHostHeader,
    AllowedMethods: ALL_METHODS,
    CachedMethods: ["GET", "HEAD"],
    Compress: true,
  };
}

/** What the viewer-request function of a route does, or undefined when it needs none. */
export function viewerRequestOptions(
  cf: CloudFrontContext,
  protection: EdgeProtection,
  route: RouteContext,
  /** The one domain this distribution serves, when it answers for its redirect_from domains too. */
  canonicalHost?: string,
): ViewerRequestOptions | undefined {
  const o: ViewerRequestOptions = canonicalHost ? { canonicalHost } : {};
  if (protection.basicAuth) {
    o.basicAuth = { realm: protection.basicAuth.realm, exclude: protection.basicAuth.exclude };
  }
  if (route.type === "api") {
    if (protection.originVerify) o.viewerHeaders = true;
  } else if (route.isSpa) {
    const token = route.requireToken && cf.tokenSecret;
    o.spa = {
      routePrefix: spaRoutePrefix(route.pathPattern),
      fallbackHtml: route.spaFallbackHtml,
      requireToken: Boolean(token),
      ...(token ? { loginPath: route.loginPath } : {}),
    };
  }
  if (route.type === "s3" && route.deployHash)
    o.deployHash = { routePrefix: spaRoutePrefix(route.pathPattern) };
  if (route.type === "s3" && route.buildDir !== undefined && cf.releases) {
    o.release = { routePrefix: spaRoutePrefix(route.pathPattern), folder: cf.releases.folder };
  }
  if (!needsViewerRequestFunction(o)) return undefined;
  if (usesKvs(o)) o.kvsId = KVS_ID_PLACEHOLDER;
  return o;
}

function edgeFunction(
  cf: CloudFrontContext,
  route: RouteContext,
  o: ViewerRequestOptions,
  source: string,
): TemplateResource {
  const kvs = usesKvs(o);
  const parts = [
    ...(o.basicAuth ? ["basic auth"] : []),
    ...(o.spa ? ["SPA fallback"] : []),
    ...(o.spa?.requireToken ? ["token check"] : []),
    ...(o.deployHash ? ["deploy hash"] : []),
    ...(o.viewerHeaders ? ["viewer headers"] : []),
    ...(o.release ? ["release"] : []),
    ...(o.canonicalHost ? [`301 from other hosts to ${o.canonicalHost}`] : []),
  ];
  // The host-redirect function's name is the original's current version's (a name change replaces it).
  const name = hostRedirectOnly(o)
    ? `${cf.slug}-host-redirect`.slice(0, 64)
    : route.type === "s3" && route.functionName
      ? route.functionName
      : `${cf.slug}-${route.name}-edge`.slice(0, 64);
  // The KVS id is only known once the store exists; join it in rather than Fn::Sub, which would
  // also try to expand any `${` in the JavaScript.
  const code = source.split(KVS_ID_PLACEHOLDER);
  return {
    Type: "AWS::CloudFront::Function",
    ...(kvs ? { DependsOn: KVS_LOGICAL_ID } : {}),
    Properties: {
      Name: name,
      AutoPublish: true,
      FunctionCode: code.length === 1 ? source : joinAround(code, cfn.getAtt(KVS_LOGICAL_ID, "Id")),
      FunctionConfig: {
        Comment: `${parts.join(", ")} for ${route.pathPattern || "/"}`,
        Runtime: "cloudfront-js-2.0",
        ...(kvs
          ? { KeyValueStoreAssociations: [{ KeyValueStoreARN: cfn.getAtt(KVS_LOGICAL_ID, "Arn") }] }
          : {}),
      },
    },
  };
}

/** A function that does nothing but send other hosts to the canonical one (shared by every such behaviour). */
function hostRedirectOnly(o: ViewerRequestOptions): boolean {
  return o.canonicalHost !== undefined && !needsViewerRequestFunction({ ...o, canonicalHost: undefined });
}

/** `["a", "b"]` + X → Fn::Join "" ["a", X, "b"]. */
function joinAround(parts: string[], value: Json): Json {
  const items: Json[] = [];
  parts.forEach((part, i) => {
    if (i > 0) items.push(value);
    if (part !== "") items.push(part);
  });
  return cfn.join("", items);
}

/** `""` → `/`, `/app` → `/app/`, `/app/*` → `/app/`: where the route's fallback HTML lives. */
export function spaRoutePrefix(pathPattern: string): string {
  const folder = pathPattern.replace(/\/?\*$/, "").replace(/\/+$/, "");
  return `${folder}/`;
}

/**
 * The statement this distribution needs in the `[s3]` bucket's policy. It is put with the S3 API
 * after the stack exists (it needs the distribution id, and the bucket lives in another region
 * and may serve several distributions, which one BucketPolicy resource per stack would clobber).
 */
export function bucketPolicyStatement(
  cf: CloudFrontContext,
  accountId: string,
  distributionId: string,
  /** The caller's partition (`aws`, `aws-cn`, ...): a policy with another one is rejected. */
  partition: string,
) {
  return {
    Sid: cf.bucketPolicySid,
    Effect: "Allow",
    Principal: { Service: "cloudfront.amazonaws.com" },
    Action: "s3:GetObject",
    // With managed_assets, their folder too (docs/decisions.md#e23-managed-assets).
    Resource: cf.managedAssets
      ? [cf.bucketPolicyPrefix, cf.managedAssets.originPath].map(
          (prefix) => `arn:${partition}:s3:::${cf.bucketName}${prefix}/*`,
        )
      : `arn:${partition}:s3:::${cf.bucketName}${cf.bucketPolicyPrefix}/*`,
    Condition: {
      StringEquals: {
        "AWS:SourceArn": `arn:${partition}:cloudfront::${accountId}:distribution/${distributionId}`,
      },
    },
  };
}

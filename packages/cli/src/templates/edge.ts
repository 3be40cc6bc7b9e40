import type { CloudFrontContext } from "@magic-pocket/config";

/**
 * What protects one distribution at the edge, read from its derived context in this one place
 * (the template, the deploy, status and `pocket waf` all take it from here).
 */
export interface EdgeProtection {
  /** `enable_origin_verify`: the managed secret whose first value goes to the API origins. */
  originVerify?: { secret: string };
  /** `basic_auth`: the managed `basic_auth_credential` secret and the prefixes that pass. */
  basicAuth?: { secret: string; exclude: string[]; realm: string };
  /** The distribution's KeyValueStore, when a function reads one (SPA token, basic auth, release id). */
  kvs?: { name: string; exportName?: string };
  waf?: WafProtection;
  /**
   * The original's web ACL, kept by ARN on a stage its current version deployed (no WAF of this
   * stack then): docs/decisions.md#a1-taking-over-a-stage-deployed-by-the-original.
   */
  keptWebAclArn?: string;
}

export interface WafProtection {
  webAclName: string;
  /** CloudWatch metric names start with this. */
  metricPrefix: string;
  /** The allow-list IPSets (IPv4 and IPv6), absent without `ip_allow_list`. */
  ipSets?: { v4: string; v6: string };
  /** Path prefixes only allow-listed addresses may reach, or every path. */
  protectedPaths: "all" | string[];
  managedRuleGroups: string[];
  /** Requests per client IP over five minutes before it is blocked. */
  rateLimit?: number;
  /** Path prefixes that pass before every other rule (health checks). */
  allowPaths: string[];
  /** Paths that pass before every other rule, that path only. */
  allowExactPaths?: string[];
  /**
   * Requests whose `x-pocket-waf-allow` header holds a managed secret's value pass before every
   * other rule (on the path when given); the value is a NoEcho parameter (`parameter`).
   */
  allowHeaders?: { secret: string; parameter: string; path?: { value: string; prefix: boolean } }[];
}

/** The header a WAF header allow rule reads (the original's configuration.md). */
export const WAF_ALLOW_HEADER = "x-pocket-waf-allow";

/** The NoEcho parameter that carries a header allow rule's secret value into the template. */
export function wafAllowParameter(secret: string): string {
  return `WafAllow${secret.replace(/[^A-Za-z0-9]/g, "")}`;
}

/** Header CloudFront sends to the API origins (docs/runtime-contract.md). */
export const ORIGIN_VERIFY_HEADER = "X-Pocket-Origin-Verify";

/** The KVS logical id: `TokenKvs`, as before basic auth, so existing stacks keep their store. */
export const KVS_LOGICAL_ID = "TokenKvs";

export function edgeProtection(cf: CloudFrontContext): EdgeProtection {
  const out: EdgeProtection = {};
  if (cf.originVerify) out.originVerify = { secret: cf.originVerify.secret };
  if (cf.basicAuth) {
    out.basicAuth = {
      secret: cf.basicAuth.secret,
      exclude: cf.basicAuth.exclude,
      realm: cf.domain ?? cf.slug,
    };
  }
  if (cf.tokenSecret) out.kvs = { name: cf.tokenSecret.kvsName, exportName: cf.tokenSecret.kvsExport };
  else if (cf.basicAuth) out.kvs = { name: cf.basicAuth.kvsName };
  else if (cf.releases) out.kvs = { name: cf.releases.kvsName };
  if (cf.waf) {
    out.waf = {
      webAclName: cf.waf.webAclName,
      metricPrefix: cf.waf.webAclName,
      ...(cf.waf.ipAllowList ? { ipSets: cf.waf.ipSetNames } : {}),
      protectedPaths: cf.waf.ipAllowList === true ? "all" : cf.waf.ipAllowList || [],
      managedRuleGroups: cf.waf.managedRuleGroups,
      ...(cf.waf.rateLimit !== undefined ? { rateLimit: cf.waf.rateLimit } : {}),
      allowPaths: cf.waf.allowPaths,
      allowExactPaths: cf.waf.allowExactPaths,
      ...(cf.waf.allowHeaderRules?.length
        ? {
            allowHeaders: cf.waf.allowHeaderRules.map((r) => ({
              ...r,
              parameter: wafAllowParameter(r.secret),
            })),
          }
        : {}),
    };
  }
  return out;
}

/**
 * The protection a distribution's stack renders when the original's web ACL is kept (`arn`): the
 * same, without a WAF of its own, naming that web ACL instead.
 */
export function withKeptWebAcl(protection: EdgeProtection, arn: string | undefined): EdgeProtection {
  if (!arn || !protection.waf) return protection;
  const { waf: _kept, ...rest } = protection;
  return { ...rest, keptWebAclArn: arn };
}

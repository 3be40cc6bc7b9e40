import { WAF_ALLOW_HEADER, type WafProtection } from "./edge.js";
import { cfn, type Json, type TemplateResource } from "./template.js";

/** Logical ids of the WAF resources in the distribution's stack. */
export const WAF_IDS = { webAcl: "WebAcl", ipSetV4: "AllowListV4", ipSetV6: "AllowListV6" } as const;

/** Five minutes: the window of the rate-based rule, in seconds. */
export const RATE_WINDOW_SECONDS = 300;

/**
 * `waf = {...}` of a distribution: a WebACL (scope CLOUDFRONT, so in the distribution's
 * us-east-1 stack) whose rules run in this order (docs/decisions.md#p14-waf-rule-order):
 *
 * 1. `allow_paths`: allowed for everyone, before anything else (health checks); whole segments
 *    only (`/health` allows `/health` and `/health/...`, not `/health-anything`); an exact
 *    `allow_rules` path of the original's current spelling allows that path only; then its
 *    header rules: a request whose `x-pocket-waf-allow` is the secret's value (on the path).
 * 2. the allow list: an allow-listed address is allowed on the protected paths;
 * 3. any other address is blocked there;
 * 4. the rate limit: an address over `rate_limit` requests in five minutes is blocked;
 * 5. the managed rule groups, in the order written.
 *
 * Everything else is allowed. The IPSets start empty and are edited with `pocket waf ip`, never
 * from `pocket.toml`: the template keeps `Addresses: []` and never changes it, so CloudFormation
 * does not touch the set's addresses on later deploys.
 *
 * Long on purpose: a flat table of the rules above, in priority order, and the resources they use.
 */
export function wafResources(waf: WafProtection): Record<string, TemplateResource> {
  const resources: Record<string, TemplateResource> = {};
  const rules: Json[] = [];
  const rule = (name: string, statement: Json, action: "Allow" | "Block") => {
    rules.push({
      Name: name,
      Priority: rules.length,
      Statement: statement,
      Action: { [action]: {} },
      VisibilityConfig: visibility(`${waf.metricPrefix}-${name}`),
    });
  };

  const allowed = [
    ...pathsUnder(waf.allowPaths),
    ...(waf.allowExactPaths ?? []).map((p) => pathMatch("EXACTLY", p)),
  ];
  if (allowed.length > 0) rule("allow-paths", anyOf(allowed), "Allow");
  const withHeader = (waf.allowHeaders ?? []).map((h) => {
    const header = headerMatch(h.parameter);
    if (!h.path) return header;
    const path = h.path.prefix ? anyOf(pathsUnder([h.path.value])) : pathMatch("EXACTLY", h.path.value);
    return { AndStatement: { Statements: [header, path] } };
  });
  if (withHeader.length > 0) rule("allow-header", anyOf(withHeader), "Allow");
  if (waf.ipSets) {
    for (const [id, version, name] of [
      [WAF_IDS.ipSetV4, "IPV4", waf.ipSets.v4],
      [WAF_IDS.ipSetV6, "IPV6", waf.ipSets.v6],
    ] as const) {
      resources[id] = {
        Type: "AWS::WAFv2::IPSet",
        Properties: {
          Name: name,
          Scope: "CLOUDFRONT",
          IPAddressVersion: version,
          Addresses: [],
          Description: "allow list, edited with pocket waf ip add or remove",
        },
      };
    }
    const listed: Json = {
      OrStatement: {
        Statements: [WAF_IDS.ipSetV4, WAF_IDS.ipSetV6].map((id) => ({
          IPSetReferenceStatement: { Arn: cfn.getAtt(id, "Arn") },
        })),
      },
    };
    const notListed: Json = { NotStatement: { Statement: listed } };
    if (waf.protectedPaths === "all") {
      rule("allow-list", listed, "Allow");
      rule("outside-allow-list", notListed, "Block");
    } else if (waf.protectedPaths.length > 0) {
      const paths = anyPrefix(waf.protectedPaths, { caseless: true });
      rule("allow-list", { AndStatement: { Statements: [paths, listed] } }, "Allow");
      rule("outside-allow-list", { AndStatement: { Statements: [paths, notListed] } }, "Block");
    }
  }
  if (waf.rateLimit !== undefined) {
    rule(
      "rate-limit",
      {
        RateBasedStatement: {
          Limit: waf.rateLimit,
          AggregateKeyType: "IP",
          EvaluationWindowSec: RATE_WINDOW_SECONDS,
        },
      },
      "Block",
    );
  }
  for (const group of waf.managedRuleGroups) {
    // AWS's groups by name; another vendor's as "Vendor:Name".
    const at = group.lastIndexOf(":");
    const vendor = at < 0 ? "AWS" : group.slice(0, at);
    const name = at < 0 ? group : group.slice(at + 1);
    const ruleName = at < 0 ? group : `${vendor}-${name}`.replace(/[^\w-]/g, "-");
    rules.push({
      Name: ruleName,
      Priority: rules.length,
      Statement: { ManagedRuleGroupStatement: { VendorName: vendor, Name: name } },
      // The group's own actions apply (None = do not override them).
      OverrideAction: { None: {} },
      VisibilityConfig: visibility(`${waf.metricPrefix}-${ruleName}`),
    });
  }

  resources[WAF_IDS.webAcl] = {
    Type: "AWS::WAFv2::WebACL",
    Properties: {
      Name: waf.webAclName,
      Scope: "CLOUDFRONT",
      Description: "pocket: allow paths, allow list, rate limit, managed rules",
      DefaultAction: { Allow: {} },
      Rules: rules,
      VisibilityConfig: visibility(waf.metricPrefix),
    },
  };
  return resources;
}

/** A path pattern as written (`/admin*`, `/health`) → the prefix WAF matches. */
export function pathPrefix(pattern: string): string {
  return pattern.replace(/\*+$/, "") || "/";
}

/**
 * Matches a path starting with one of the prefixes, after decoding and normalising it, so
 * `/%61dmin` or `/health/../admin` match as the app will route them. `caseless` (the protected
 * paths) also lowercases, so `/ADMIN` is blocked too: matching more is the safe side there.
 */
function anyPrefix(patterns: string[], options: { caseless?: boolean } = {}): Json {
  const transformations = ["URL_DECODE", "NORMALIZE_PATH", ...(options.caseless ? ["LOWERCASE"] : [])];
  const statements = patterns.map(
    (p): Json => ({
      ByteMatchStatement: {
        FieldToMatch: { UriPath: {} },
        PositionalConstraint: "STARTS_WITH",
        SearchString: options.caseless ? pathPrefix(p).toLowerCase() : pathPrefix(p),
        TextTransformations: transformations.map((Type, Priority) => ({ Priority, Type })),
      },
    }),
  );
  return statements.length === 1 ? statements[0]! : { OrStatement: { Statements: statements } };
}

/**
 * Matches a path equal to one of the prefixes or below it, whole segments only: `EXACTLY /health`
 * or `STARTS_WITH /health/`, after decoding and normalising (so `/health/../admin` is `/admin`).
 * An allow rule lets requests skip every other rule, so it must not match more than written.
 */
function pathsUnder(prefixes: string[]): Json[] {
  const statements: Json[] = [];
  for (const base of new Set(prefixes.map((p) => p.replace(/\/+$/, "")))) {
    // "/" (empty once trimmed) allows every path.
    if (base) statements.push(pathMatch("EXACTLY", base));
    statements.push(pathMatch("STARTS_WITH", `${base}/`));
  }
  return statements;
}

/** The path, decoded and normalised, compared with `SearchString`. */
function pathMatch(PositionalConstraint: "EXACTLY" | "STARTS_WITH", SearchString: string): Json {
  return {
    ByteMatchStatement: {
      FieldToMatch: { UriPath: {} },
      PositionalConstraint,
      SearchString,
      TextTransformations: ["URL_DECODE", "NORMALIZE_PATH"].map((Type, Priority) => ({ Priority, Type })),
    },
  };
}

/**
 * The `x-pocket-waf-allow` header equal to the secret's value, compared as sent (no
 * transformation); the value is a NoEcho parameter, so it is never in the template's text.
 */
function headerMatch(parameter: string): Json {
  return {
    ByteMatchStatement: {
      FieldToMatch: { SingleHeader: { Name: WAF_ALLOW_HEADER } },
      PositionalConstraint: "EXACTLY",
      SearchString: cfn.ref(parameter),
      TextTransformations: [{ Priority: 0, Type: "NONE" }],
    },
  };
}

const anyOf = (statements: Json[]): Json =>
  statements.length === 1 ? statements[0]! : { OrStatement: { Statements: statements } };

function visibility(metric: string): Json {
  return {
    SampledRequestsEnabled: true,
    CloudWatchMetricsEnabled: true,
    MetricName: metric.replace(/[^\w#:.\-/]/g, "-").slice(0, 255),
  };
}

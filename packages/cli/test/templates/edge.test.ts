import type { CloudFrontContext } from "@magic-pocket/config";
import { beforeAll, describe, expect, it } from "vitest";
import { CLOUDFRONT_FUNCTION_MAX_BYTES } from "../../src/cloudfront/functions/index.js";
import { cloudfrontTemplate, ORIGIN_VERIFY_PARAMETER } from "../../src/templates/cloudfront.js";
import type { EdgeProtection, WafProtection } from "../../src/templates/edge.js";
import { renderYaml } from "../../src/templates/render.js";
import type { Json, Template } from "../../src/templates/template.js";
import { cfnLint, type LintMatch, lintErrors } from "./cfn-lint.js";
import { loadInline } from "./context.js";

const TOML = `
[general]
region = "ap-northeast-1"
project_name = "myapp"
stages = ["dev", "prd"]

[s3]

[awscontainer]
dockerfile_path = "Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[awscontainer.secrets.managed]
SPA_TOKEN_SECRET = { type = "spa_token_secret" }

[cloudfront.main]
domain = "www.example.com"
routes = [
    { is_default = true, is_spa = true },
    { path_pattern = "/static/*", is_versioned = true },
    { path_pattern = "/api/*", type = "api", handler = "wsgi" },
    { path_pattern = "/admin*", type = "api", handler = "wsgi" },
]

[cloudfront.app]
token_secret = "SPA_TOKEN_SECRET"
routes = [
    { is_default = true, is_spa = true, require_token = true },
    { path_pattern = "/api/*", type = "api", handler = "wsgi" },
]
`;

const WAF: WafProtection = {
  webAclName: "dev-myapp-main-waf",
  metricPrefix: "dev-myapp-main-waf",
  ipSets: { v4: "dev-myapp-main-allow-v4", v6: "dev-myapp-main-allow-v6" },
  protectedPaths: ["/admin*"],
  managedRuleGroups: ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"],
  rateLimit: 2000,
  allowPaths: ["/health"],
};
const AUTH = { secret: "STAGING_LOGIN", exclude: ["/health", "/api/webhooks/"], realm: "www.example.com" };

/** Every combination of the three protections, on a distribution without and with the SPA token. */
const COMBINATIONS: Record<string, (cf: CloudFrontContext) => EdgeProtection> = {
  none: () => ({}),
  "origin-verify": () => ({ originVerify: { secret: "POCKET_ORIGIN_VERIFY" } }),
  "basic-auth": (cf) => ({ basicAuth: AUTH, kvs: kvsOf(cf) }),
  waf: () => ({ waf: WAF }),
  "waf-whole-site": () => ({ waf: { ...WAF, protectedPaths: "all", rateLimit: undefined } }),
  "waf-no-allow-list": () => {
    const { ipSets: _none, ...rest } = WAF;
    return { waf: { ...rest, protectedPaths: [], allowPaths: [] } };
  },
  all: (cf) => ({
    originVerify: { secret: "POCKET_ORIGIN_VERIFY" },
    basicAuth: AUTH,
    kvs: kvsOf(cf),
    waf: WAF,
  }),
};

function kvsOf(cf: CloudFrontContext): EdgeProtection["kvs"] {
  return cf.tokenSecret
    ? { name: cf.tokenSecret.kvsName, exportName: cf.tokenSecret.kvsExport }
    : { name: `${cf.slug}-edge-kvs` };
}

const templates: Record<string, Template> = {};
let lint: Map<string, LintMatch[]>;

beforeAll(() => {
  const ctx = loadInline(TOML).context;
  for (const cf of Object.values(ctx.cloudfront ?? {})) {
    for (const [name, protect] of Object.entries(COMBINATIONS)) {
      const p = protect(cf);
      if (cf.tokenSecret && !p.kvs) p.kvs = kvsOf(cf);
      templates[`${cf.name}.${name}`] = cloudfrontTemplate(cf, p);
    }
  }
  lint = cfnLint(templates, { regions: ["us-east-1"] });
});

const config = (t: Template) =>
  (t.Resources.CloudFrontDistribution!.Properties as { DistributionConfig: Record<string, any> })
    .DistributionConfig;
const behaviours = (t: Template): Record<string, any>[] => [
  config(t).DefaultCacheBehavior,
  ...(config(t).CacheBehaviors ?? []),
];
const functionOf = (t: Template, behaviour: Record<string, any>) => {
  const assoc = behaviour.FunctionAssociations as { FunctionARN: { "Fn::GetAtt": [string, string] } }[];
  if (!assoc) return undefined;
  return t.Resources[assoc[0]!.FunctionARN["Fn::GetAtt"][0]]!.Properties as Record<string, any>;
};
/** The function code with the KVS id joined in as a placeholder. */
const codeOf = (fn: Record<string, any>): string =>
  typeof fn.FunctionCode === "string"
    ? fn.FunctionCode
    : (fn.FunctionCode["Fn::Join"][1] as Json[]).map((p) => (typeof p === "string" ? p : "KVS")).join("");

describe("edge protection templates", () => {
  it("are cfn-lint clean for every combination", () => {
    expect(Object.keys(templates)).toHaveLength(14);
    for (const name of Object.keys(templates)) expect(lintErrors(lint.get(name)!), name).toEqual([]);
  });

  it("send the origin-verify secret from a NoEcho parameter, never in the template", () => {
    const t = templates["main.origin-verify"]!;
    expect(t.Parameters?.[ORIGIN_VERIFY_PARAMETER]).toMatchObject({ Type: "String", NoEcho: true });
    const api = config(t).Origins.filter((o: any) => o.CustomOriginConfig);
    expect(api.length).toBe(1);
    expect(api[0].OriginCustomHeaders).toEqual([
      { HeaderName: "X-Pocket-Origin-Verify", HeaderValue: { Ref: ORIGIN_VERIFY_PARAMETER } },
    ]);
    for (const o of config(t).Origins.filter((o: any) => o.S3OriginConfig))
      expect(o.OriginCustomHeaders).toBeUndefined();
    expect(templates["main.none"]!.Parameters?.[ORIGIN_VERIFY_PARAMETER]).toBeUndefined();
  });

  it("add the viewer headers on API routes only, with origin verification", () => {
    const t = templates["main.origin-verify"]!;
    for (const b of behaviours(t)) {
      const fn = functionOf(t, b);
      const isApi = b.TargetOriginId.includes("api-");
      if (isApi) expect(codeOf(fn!)).toContain("x-pocket-viewer-ip");
      else if (fn) expect(codeOf(fn)).not.toContain("x-pocket-viewer-ip");
    }
    const plain = templates["main.none"]!;
    for (const b of behaviours(plain).filter((b) => b.TargetOriginId.includes("api-")))
      expect(b.FunctionAssociations).toBeUndefined();
  });

  it("put basic auth on every behaviour, one function per distinct code, under 10 KB", () => {
    const t = templates["app.all"]!;
    const ids = new Set<string>();
    for (const b of behaviours(t)) {
      expect(b.FunctionAssociations).toHaveLength(1);
      ids.add(b.FunctionAssociations[0].FunctionARN["Fn::GetAtt"][0]);
      const fn = functionOf(t, b)!;
      expect(codeOf(fn)).toContain("authorised(request)");
      expect(fn.FunctionConfig.KeyValueStoreAssociations).toEqual([
        { KeyValueStoreARN: { "Fn::GetAtt": ["TokenKvs", "Arn"] } },
      ]);
      expect(Buffer.byteLength(codeOf(fn))).toBeLessThan(CLOUDFRONT_FUNCTION_MAX_BYTES);
    }
    expect(ids.size).toBe(2);
    const spa = functionOf(t, config(t).DefaultCacheBehavior)!;
    expect(codeOf(spa)).toContain("validToken");
    expect(spa.Name).toBe("dev-myapp-app-root-fallback");
    const main = templates["main.basic-auth"]!;
    // The two API routes and the static route share one auth-only function.
    const shared = behaviours(main)
      .slice(1)
      .map((b) => b.FunctionAssociations[0].FunctionARN["Fn::GetAtt"][0]);
    expect(new Set(shared).size).toBe(1);
  });

  it("give a basic-auth distribution without a token its own KeyValueStore, not exported", () => {
    const t = templates["main.basic-auth"]!;
    expect(t.Resources.TokenKvs?.Type).toBe("AWS::CloudFront::KeyValueStore");
    expect(t.Outputs?.TokenKvsArn?.Export).toBeUndefined();
    expect(templates["app.basic-auth"]!.Outputs?.TokenKvsArn?.Export).toEqual({
      Name: "dev-myapp-app-token-kvs-arn",
    });
  });

  it("build the WebACL with allow rules first, then rate limit, then managed groups", () => {
    const t = templates["main.waf"]!;
    const acl = t.Resources.WebAcl!.Properties as Record<string, any>;
    expect(acl.Scope).toBe("CLOUDFRONT");
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    expect(
      acl.Rules.map((r: any) => [r.Priority, r.Name, Object.keys(r.Action ?? r.OverrideAction)[0]]),
    ).toEqual([
      [0, "allow-paths", "Allow"],
      [1, "allow-list", "Allow"],
      [2, "outside-allow-list", "Block"],
      [3, "rate-limit", "Block"],
      [4, "AWSManagedRulesCommonRuleSet", "None"],
      [5, "AWSManagedRulesKnownBadInputsRuleSet", "None"],
    ]);
    expect(acl.Rules[3].Statement.RateBasedStatement).toEqual({
      Limit: 2000,
      AggregateKeyType: "IP",
      EvaluationWindowSec: 300,
    });
    const block = acl.Rules[2].Statement.AndStatement.Statements;
    expect(block[0].ByteMatchStatement.SearchString).toBe("/admin");
    expect(block[0].ByteMatchStatement.TextTransformations.map((x: any) => x.Type)).toEqual([
      "URL_DECODE",
      "NORMALIZE_PATH",
      "LOWERCASE",
    ]);
    expect(block[1].NotStatement.Statement.OrStatement.Statements).toEqual([
      { IPSetReferenceStatement: { Arn: { "Fn::GetAtt": ["AllowListV4", "Arn"] } } },
      { IPSetReferenceStatement: { Arn: { "Fn::GetAtt": ["AllowListV6", "Arn"] } } },
    ]);
    for (const [id, version] of [
      ["AllowListV4", "IPV4"],
      ["AllowListV6", "IPV6"],
    ] as const) {
      expect(t.Resources[id]!.Properties).toMatchObject({
        Scope: "CLOUDFRONT",
        IPAddressVersion: version,
        Addresses: [],
      });
    }
    expect(config(t).WebACLId).toEqual({ "Fn::GetAtt": ["WebAcl", "Arn"] });
    expect(t.Outputs?.AllowListV4Id?.Value).toEqual({ "Fn::GetAtt": ["AllowListV4", "Id"] });
  });

  it("allow only whole segments of allow_paths, on the decoded and normalised path", () => {
    const cf = loadInline(TOML).context.cloudfront!.main!;
    const t = cloudfrontTemplate(cf, { waf: { ...WAF, allowPaths: ["/health", "/.well-known/"] } });
    const allow = (t.Resources.WebAcl!.Properties as any).Rules[0];
    expect(allow.Name).toBe("allow-paths");
    for (const path of [
      "/health",
      "/health/db",
      "/%68ealth",
      "/x/../health",
      "/.well-known",
      "/.well-known/acme",
    ])
      expect(wafMatches(allow.Statement, path), path).toBe(true);
    for (const path of [
      "/health-anything",
      "/healthcheck-admin",
      "/health/../admin",
      "/admin/health",
      "/.well-knownx",
    ])
      expect(wafMatches(allow.Statement, path), path).toBe(false);
    expect(lintErrors(cfnLint({ paths: t }, { regions: ["us-east-1"] }).get("paths")!)).toEqual([]);
  });

  it("name another vendor's managed group as Vendor:Name", () => {
    const cf = loadInline(TOML).context.cloudfront!.main!;
    const t = cloudfrontTemplate(cf, { waf: { ...WAF, managedRuleGroups: ["F5 Networks:OWASP_Rules"] } });
    const last = (t.Resources.WebAcl!.Properties as any).Rules.at(-1);
    expect(last.Name).toBe("F5-Networks-OWASP_Rules");
    expect(last.Statement).toEqual({
      ManagedRuleGroupStatement: { VendorName: "F5 Networks", Name: "OWASP_Rules" },
    });
    expect(lintErrors(cfnLint({ vendor: t }, { regions: ["us-east-1"] }).get("vendor")!)).toEqual([]);
  });

  it("protect the whole site with the allow list when asked, and skip the list when off", () => {
    const whole = (templates["main.waf-whole-site"]!.Resources.WebAcl!.Properties as any).Rules;
    expect(whole.map((r: any) => r.Name)).toEqual([
      "allow-paths",
      "allow-list",
      "outside-allow-list",
      "AWSManagedRulesCommonRuleSet",
      "AWSManagedRulesKnownBadInputsRuleSet",
    ]);
    expect(whole[2].Statement.NotStatement).toBeDefined();
    const none = templates["main.waf-no-allow-list"]!;
    expect(none.Resources.AllowListV4).toBeUndefined();
    expect((none.Resources.WebAcl!.Properties as any).Rules.map((r: any) => r.Name)).toEqual([
      "rate-limit",
      "AWSManagedRulesCommonRuleSet",
      "AWSManagedRulesKnownBadInputsRuleSet",
    ]);
  });

  it("refuse a function over CloudFront's 10 KB limit with the setting to shorten", () => {
    const cf = loadInline(TOML).context.cloudfront!.main!;
    const exclude = Array.from({ length: 400 }, (_, i) => `/a/rather/long/excluded/prefix/${i}`);
    expect(() => cloudfrontTemplate(cf, { basicAuth: { ...AUTH, exclude }, kvs: kvsOf(cf) })).toThrow(
      /would be \d+ bytes; CloudFront allows 10240/,
    );
  });

  it("render as YAML without any secret value", () => {
    const yaml = renderYaml(templates["main.all"]!);
    expect(yaml).toContain("NoEcho: true");
    expect(yaml).not.toMatch(/HeaderValue: [^\n{]*[0-9a-f]{32}/);
  });
});

/**
 * WAF's reading of the statements this template uses, for paths: byte matches on the URI path
 * after their text transformations (URL_DECODE, NORMALIZE_PATH, LOWERCASE), in OR and AND.
 */
function wafMatches(statement: any, path: string): boolean {
  if (statement.OrStatement) return statement.OrStatement.Statements.some((s: any) => wafMatches(s, path));
  if (statement.AndStatement) return statement.AndStatement.Statements.every((s: any) => wafMatches(s, path));
  const m = statement.ByteMatchStatement;
  if (!m?.FieldToMatch?.UriPath) throw new Error(`statement not modelled: ${JSON.stringify(statement)}`);
  let value = path;
  for (const { Type } of [...m.TextTransformations].sort((a: any, b: any) => a.Priority - b.Priority)) {
    if (Type === "URL_DECODE") value = decodeURIComponent(value);
    else if (Type === "NORMALIZE_PATH") value = new URL(value.replace(/\/+/g, "/"), "http://x").pathname;
    else if (Type === "LOWERCASE") value = value.toLowerCase();
    else throw new Error(`transformation not modelled: ${Type}`);
  }
  const search = m.SearchString as string;
  switch (m.PositionalConstraint) {
    case "EXACTLY":
      return value === search;
    case "STARTS_WITH":
      return value.startsWith(search);
    default:
      throw new Error(`constraint not modelled: ${m.PositionalConstraint}`);
  }
}

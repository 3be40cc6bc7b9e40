import type { CloudFrontContext } from "@magic-pocket/config";
import { beforeAll, describe, expect, it } from "vitest";
import {
  bucketPolicyStatement,
  cloudfrontParameters,
  cloudfrontTemplate,
  spaRoutePrefix,
} from "../../src/templates/cloudfront.js";
import { cloudfrontKeysTemplate } from "../../src/templates/cloudfront-keys.js";
import type { Json, Template } from "../../src/templates/template.js";
import { cfnLint, type LintMatch, lintErrors } from "./cfn-lint.js";
import { loadInline } from "./context.js";

const BASE = `
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
`;

const SECRETS = `
[awscontainer.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }
SPA_TOKEN_SECRET = { type = "spa_token_secret" }
CF_MEDIA_KEY = { type = "cloudfront_signing_key" }
`;

/** Every CloudFront option of the seed, one distribution set per case. */
const CASES: Record<string, string> = {
  "seed-main-media": `${BASE}${SECRETS}
[cloudfront.main]
domain = "www.example.com"
origin_path = "/spa"
routes = [
    { is_default = true, is_spa = true },
    { path_pattern = "/static/*", ref = "static", is_versioned = true },
]

[cloudfront.media]
domain = "media.example.com"
origin_path = "/media"
signing_key = "CF_MEDIA_KEY"
routes = [
    { is_default = true, signed = true },
]
`,
  "redirect-from": `${BASE}
[cloudfront.main]
domain = "www.example.com"
redirect_from = [{ domain = "example.com" }, { domain = "old.example.net", hosted_zone_id_override = "Z0OLDZONE" }]
routes = [{ is_default = true, is_spa = true }]
`,
  "api-route": `${BASE}
[cloudfront.main]
domain = "example.com"
routes = [
    { is_default = true, is_spa = true },
    { path_pattern = "/api/*", type = "api", handler = "wsgi" },
]
`,
  "token-auth": `${BASE}${SECRETS}
[cloudfront.main]
token_secret = "SPA_TOKEN_SECRET"
routes = [
    { is_default = true, is_spa = true, require_token = true, origin_path = "/app" },
    { path_pattern = "/api/*", type = "api", handler = "wsgi" },
]
`,
  "no-domain-versioned-maxage": `${BASE}
[cloudfront.web]
hosted_zone_id_override = "Z123"
routes = [
    { is_default = true },
    { path_pattern = "/assets/*", is_versioned = true, versioned_max_age = 600 },
    { path_pattern = "/app", is_spa = true, spa_fallback_html = "app.html", origin_path = "/web" },
]
`,
};

const distributions: Record<string, CloudFrontContext> = {};
const templates: Record<string, Template> = {};
let lint: Map<string, LintMatch[]>;

beforeAll(() => {
  for (const [name, toml] of Object.entries(CASES)) {
    const ctx = loadInline(toml).context;
    for (const cf of Object.values(ctx.cloudfront ?? {})) {
      distributions[`${name}.${cf.name}`] = cf;
      templates[`${name}.${cf.name}`] = cloudfrontTemplate(cf);
      if (cf.signingKey) templates[`${name}.${cf.name}.keys`] = cloudfrontKeysTemplate(cf);
    }
  }
  lint = cfnLint(templates, { regions: ["us-east-1"] });
});

const dist = (t: Template) =>
  (t.Resources.CloudFrontDistribution!.Properties as { DistributionConfig: Record<string, Json> })
    .DistributionConfig as Record<string, any>;

describe("CloudFront templates", () => {
  it("are cfn-lint clean for every case", () => {
    expect(Object.keys(templates).length).toBeGreaterThanOrEqual(7);
    for (const name of Object.keys(templates)) expect(lintErrors(lint.get(name)!), name).toEqual([]);
  });

  it("serve the default route from S3 through OAC with the distribution origin path", () => {
    const d = dist(templates["seed-main-media.main"]!);
    expect(d.Aliases).toEqual(["www.example.com"]);
    const origin = d.Origins.find((o: any) => o.Id === d.DefaultCacheBehavior.TargetOriginId);
    expect(origin.OriginPath).toBe("/spa");
    expect(origin.DomainName).toBe(
      "dev-myapp-pocket.s3.ap-northeast-1.amazonaws.com".replace(
        "dev-myapp-pocket",
        distributions["seed-main-media.main"]!.bucketName,
      ),
    );
    expect(origin.OriginAccessControlId).toEqual({ "Fn::GetAtt": ["OriginAccessControl", "Id"] });
    expect(d.ViewerCertificate).toMatchObject({
      AcmCertificateArn: { Ref: "Certificate" },
      SslSupportMethod: "sni-only",
    });
  });

  it("attaches the SPA fallback function to is_spa routes and a long cache to is_versioned ones", () => {
    const t = templates["seed-main-media.main"]!;
    const d = dist(t);
    const fnAssoc = d.DefaultCacheBehavior.FunctionAssociations[0];
    const fnId = fnAssoc.FunctionARN["Fn::GetAtt"][0];
    expect(t.Resources[fnId]!.Type).toBe("AWS::CloudFront::Function");
    expect((t.Resources[fnId]!.Properties as any).FunctionConfig.Runtime).toBe("cloudfront-js-2.0");
    expect((t.Resources[fnId]!.Properties as any).FunctionCode).toContain("index.html");
    const staticBehavior = d.CacheBehaviors.find((b: any) => b.PathPattern === "/static/*");
    const policy = t.Resources[staticBehavior.ResponseHeadersPolicyId.Ref]!.Properties as any;
    expect(policy.ResponseHeadersPolicyConfig.CustomHeadersConfig.Items[0]).toMatchObject({
      Header: "cache-control",
      Value: "public, max-age=31536000, immutable",
      Override: true,
    });
    const custom = dist(templates["no-domain-versioned-maxage.web"]!);
    const assets = custom.CacheBehaviors.find((b: any) => b.PathPattern === "/assets/*");
    const t2 = templates["no-domain-versioned-maxage.web"]!;
    expect(
      (t2.Resources[assets.ResponseHeadersPolicyId.Ref]!.Properties as any).ResponseHeadersPolicyConfig
        .CustomHeadersConfig.Items[0].Value,
    ).toContain("max-age=600");
  });

  it("uses route-level origin paths and fallback html", () => {
    const t = templates["no-domain-versioned-maxage.web"]!;
    const d = dist(t);
    const app = d.CacheBehaviors.find((b: any) => b.PathPattern === "/app");
    expect(d.Origins.find((o: any) => o.Id === app.TargetOriginId).OriginPath).toBe("/web");
    const fnId = app.FunctionAssociations[0].FunctionARN["Fn::GetAtt"][0];
    expect((t.Resources[fnId]!.Properties as any).FunctionCode).toContain("/app/app.html");
    expect(d.ViewerCertificate).toEqual({ CloudFrontDefaultCertificate: true });
    expect(d.Aliases).toBeUndefined();
    expect(t.Resources.Certificate).toBeUndefined();
  });

  it("trusts the keys stack's key group on signed routes", () => {
    const d = dist(templates["seed-main-media.media"]!);
    expect(d.DefaultCacheBehavior.TrustedKeyGroups).toEqual([
      { "Fn::ImportValue": "dev-myapp-media-key-group-id" },
    ]);
    const keys = templates["seed-main-media.media.keys"]!;
    expect(keys.Parameters?.EncodedPublicKey?.Type).toBe("String");
    expect(keys.Outputs?.PublicKeyId?.Export?.Name).toBe("dev-myapp-media-public-key-id");
    expect((keys.Resources.PublicKey!.Properties as any).PublicKeyConfig.Name).toBe(
      "dev-myapp-media-publickey",
    );
  });

  it("routes type=api to the handler's execute-api domain, uncached, all methods, Host not forwarded", () => {
    const t = templates["api-route.main"]!;
    const d = dist(t);
    const api = d.CacheBehaviors.find((b: any) => b.PathPattern === "/api/*");
    expect(api.CachePolicyId).toBe("4135ea2d-6df8-44a3-9df3-4b5a84be39ad");
    expect(api.OriginRequestPolicyId).toBe("b689b0a8-53d0-40ab-baf2-68738e2966ac");
    expect(api.AllowedMethods).toEqual(["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]);
    const origin = d.Origins.find((o: any) => o.Id === api.TargetOriginId);
    expect(origin.DomainName).toEqual({ Ref: "ApiDomainWsgi" });
    expect(origin.CustomOriginConfig.OriginProtocolPolicy).toBe("https-only");
    expect(cloudfrontParameters(distributions["api-route.main"]!)).toEqual({
      HostedZoneId: { kind: "hosted-zone", domain: "example.com" },
      ApiDomainWsgi: { kind: "api-domain", exportName: "dev-myapp-wsgi-api-domain" },
    });
  });

  it("answers redirect_from domains with a 301 distribution of their own", () => {
    const t = templates["redirect-from.main"]!;
    const rf = Object.entries(t.Resources).filter(([, r]) => r.Type === "AWS::CloudFront::Distribution");
    expect(rf).toHaveLength(3);
    const fn = Object.values(t.Resources).find(
      (r) =>
        r.Type === "AWS::CloudFront::Function" && String((r.Properties as any).FunctionCode).includes("301"),
    );
    expect(String((fn!.Properties as any).FunctionCode)).toContain('"www.example.com"');
    const records = Object.values(t.Resources).filter((r) => r.Type === "AWS::Route53::RecordSet");
    expect(records.map((r) => (r.Properties as any).Name).sort()).toEqual([
      "example.com",
      "example.com",
      "old.example.net",
      "old.example.net",
      "www.example.com",
      "www.example.com",
    ]);
    const old = records.find((r) => (r.Properties as any).Name === "old.example.net")!;
    expect((old.Properties as any).HostedZoneId).toBe("Z0OLDZONE");
    expect(Object.keys(t.Parameters ?? {}).sort()).toEqual(["HostedZoneId", "HostedZoneIdExampleCom"]);
  });

  it("associates the token KVS and substitutes its id into the token function", () => {
    const t = templates["token-auth.main"]!;
    expect(t.Resources.TokenKvs!.Type).toBe("AWS::CloudFront::KeyValueStore");
    const fn = Object.values(t.Resources).find((r) => r.Type === "AWS::CloudFront::Function")!;
    const props = fn.Properties as any;
    expect(props.FunctionConfig.KeyValueStoreAssociations).toEqual([
      { KeyValueStoreARN: { "Fn::GetAtt": ["TokenKvs", "Arn"] } },
    ]);
    expect(JSON.stringify(props.FunctionCode)).toContain('{"Fn::GetAtt":["TokenKvs","Id"]}');
    expect(JSON.stringify(props.FunctionCode)).toContain("/api/auth/login");
    expect(t.Outputs?.TokenKvsArn?.Export?.Name).toBe("dev-myapp-main-token-kvs-arn");
    const d = dist(t);
    expect(d.Origins.find((o: any) => o.Id === d.DefaultCacheBehavior.TargetOriginId).OriginPath).toBe(
      "/app",
    );
  });

  it("grants the bucket policy on the common folder of the S3 origin paths", () => {
    const s = bucketPolicyStatement(
      distributions["no-domain-versioned-maxage.web"]!,
      "123456789012",
      "E1ABC",
      "aws",
    );
    expect(s.Resource).toMatch(/^arn:aws:s3:::.+\/\*$/);
    expect(s.Condition.StringEquals["AWS:SourceArn"]).toBe(
      "arn:aws:cloudfront::123456789012:distribution/E1ABC",
    );
    const main = bucketPolicyStatement(distributions["seed-main-media.main"]!, "1", "E", "aws");
    expect(main.Resource).toBe(`arn:aws:s3:::${distributions["seed-main-media.main"]!.bucketName}/spa/*`);
  });

  it("puts the SPA fallback file under the route's folder", () => {
    expect(spaRoutePrefix("")).toBe("/");
    expect(spaRoutePrefix("/app")).toBe("/app/");
    expect(spaRoutePrefix("/app/*")).toBe("/app/");
  });
});

import { beforeAll, describe, expect, it } from "vitest";
import { cloudfrontTemplate } from "../../src/templates/cloudfront.js";
import type { Template } from "../../src/templates/template.js";
import { cfnLint, type LintMatch, lintErrors } from "./cfn-lint.js";
import { loadInline } from "./context.js";

/**
 * CloudFront in front of Django alone (the original's configuration.md, "Django 単体構成"): the
 * default route is the API, so every path no other route matches goes to API Gateway.
 */
const source = (routes: string) => `[general]
region = "ap-northeast-1"
stages = ["dev"]

[s3]

[container.main]
dockerfile_path = "Dockerfile"

[container.main.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[cloudfront.web]
routes = [${routes}]
`;

const DEFAULT = '{ is_default = true, type = "lambda", handler = "main.wsgi" }';
const templates: Record<string, Template> = {};
let lint: Map<string, LintMatch[]>;

type Config = { DefaultCacheBehavior: Record<string, unknown>; CacheBehaviors?: Record<string, unknown>[] };
const config = (t: Template) =>
  (
    Object.values(t.Resources).find((r) => r.Type === "AWS::CloudFront::Distribution")!.Properties as {
      DistributionConfig: Config;
    }
  ).DistributionConfig;

beforeAll(() => {
  const cf = (routes: string) => loadInline(source(routes)).context.cloudfront!.web!;
  templates.apiOnly = cloudfrontTemplate(cf(DEFAULT));
  templates.withStatic = cloudfrontTemplate(cf(`{ path_pattern = "/static/*", ref = "static" }, ${DEFAULT}`));
  lint = cfnLint(templates, { regions: ["ap-northeast-1"] });
});

describe("a lambda route as the default route", () => {
  it("is the DefaultCacheBehavior, to the API origin, uncached, with no path pattern", () => {
    const d = config(templates.apiOnly!);
    expect(d.DefaultCacheBehavior.TargetOriginId).toBe("dev-myapp-pocket-api-main.wsgi");
    expect(d.DefaultCacheBehavior.PathPattern).toBeUndefined();
    expect(d.DefaultCacheBehavior.AllowedMethods).toContain("POST");
    expect(d.CacheBehaviors).toBeUndefined();
  });

  it("beside an S3 route that has a path", () => {
    const d = config(templates.withStatic!);
    expect(d.DefaultCacheBehavior.TargetOriginId).toBe("dev-myapp-pocket-api-main.wsgi");
    expect(d.CacheBehaviors!.map((b) => b.PathPattern)).toEqual(["/static/*"]);
  });

  it("passes cfn-lint", () => {
    for (const name of Object.keys(templates)) expect(lintErrors(lint.get(name)!), name).toEqual([]);
  });
});

import { loadConfig } from "@magic-pocket/config";
import { beforeAll, describe, expect, it } from "vitest";
import { cloudfrontTemplate, MANAGED_POLICY } from "../../src/templates/cloudfront.js";
import type { Template } from "../../src/templates/template.js";
import { cfnLint, type LintMatch, lintErrors } from "./cfn-lint.js";
import { loadInline } from "./context.js";

/*
 * Atomic front-end releases in the distribution's template
 * (docs/decisions.md#e17-atomic-front-end-releases): a route with build_dir gets a
 * viewer-request function that reads the release id from the distribution's KeyValueStore, made
 * for it when no token or basic auth made one already.
 */
const BASE = `
[general]
region = "ap-northeast-1"
project_name = "myapp"
stages = ["dev"]

[s3]
`;
const CASES: Record<string, string> = {
  plain: `${BASE}
[cloudfront.main]
routes = [
    { is_default = true, build_dir = "dist" },
    { path_pattern = "/app/*", is_spa = true, build_dir = "app/dist" },
    { path_pattern = "/static/*", is_versioned = true },
]
`,
  off: `${BASE}
[cloudfront.main]
atomic_releases = false
routes = [{ is_default = true, build_dir = "dist" }]
`,
};

const templates: Record<string, Template> = {};
let lint: Map<string, LintMatch[]>;
beforeAll(() => {
  for (const [name, toml] of Object.entries(CASES))
    templates[name] = cloudfrontTemplate(loadInline(toml).context.cloudfront!.main!);
  lint = cfnLint(templates, { regions: ["us-east-1"] });
});

const props = (t: Template, id: string) => t.Resources[id]!.Properties as Record<string, any>;
const behaviors = (t: Template) => {
  const d = props(t, "CloudFrontDistribution").DistributionConfig;
  return [d.DefaultCacheBehavior, ...(d.CacheBehaviors ?? [])] as Record<string, any>[];
};
const functionOf = (behavior: Record<string, any>) =>
  behavior.FunctionAssociations?.[0]?.FunctionARN["Fn::GetAtt"][0] as string | undefined;

describe("templates of distributions with atomic releases", () => {
  it("are cfn-lint clean", () => {
    for (const name of Object.keys(CASES)) expect(lintErrors(lint.get(name)!), name).toEqual([]);
  });

  it("give each build_dir route a function that reads the release id from the distribution's own store", () => {
    const t = templates.plain!;
    expect(props(t, "TokenKvs")).toMatchObject({ Name: "dev-myapp-main-release-kvs" });
    const [root, app, assets] = behaviors(t);
    for (const [behavior, folder] of [
      [root!, "/"],
      [app!, "/app/"],
    ] as const) {
      const fn = props(t, functionOf(behavior)!);
      const code = JSON.stringify(fn.FunctionCode);
      expect(code).toContain("inRelease(request)");
      expect(code).toContain(`var FOLDER = ${JSON.stringify(folder).replaceAll('"', '\\"')}`);
      expect(fn.FunctionConfig.KeyValueStoreAssociations).toEqual([
        { KeyValueStoreARN: { "Fn::GetAtt": ["TokenKvs", "Arn"] } },
      ]);
    }
    // A route without build_dir serves its files in place, as before.
    expect(functionOf(assets!)).toBeUndefined();
  });

  it("pin a viewer to its page's release with one viewer-response function, the cookie outside the cache key", () => {
    const t = templates.plain!;
    const [root, app, assets] = behaviors(t);
    for (const behavior of [root!, app!]) {
      expect(behavior.FunctionAssociations).toHaveLength(2);
      expect(behavior.FunctionAssociations[1]).toEqual({
        EventType: "viewer-response",
        FunctionARN: { "Fn::GetAtt": ["ReleasePinFunction", "FunctionARN"] },
      });
      // The cookie is read by the functions only: the cache policy names no cookie and no origin
      // request policy forwards it to the bucket, so it splits neither the cache nor the origin.
      expect(behavior.CachePolicyId).toBe(MANAGED_POLICY.cachingOptimized);
      expect(behavior.OriginRequestPolicyId).toBeUndefined();
    }
    expect(assets!.FunctionAssociations).toBeUndefined();
    const pin = props(t, "ReleasePinFunction");
    expect(pin.Name).toBe("dev-myapp-main-release-pin");
    expect(pin.FunctionConfig).toEqual({
      Comment: "release cookie on HTML answers",
      Runtime: "cloudfront-js-2.0",
    });
    expect(pin.FunctionCode).toContain("x-amz-meta-pocket-release");
    expect(props(t, "CloudFrontDistribution")).toBeDefined();
    expect(t.Resources.CloudFrontDistribution!.DependsOn).toContain("ReleasePinFunction");
    expect(templates.off!.Resources.ReleasePinFunction).toBeUndefined();
  });

  it("leave the files in place with atomic_releases = false", () => {
    const t = templates.off!;
    expect(t.Resources.TokenKvs).toBeUndefined();
    expect(functionOf(behaviors(t)[0]!)).toBeUndefined();
  });

  it("keep kept_releases releases, 5 by default, between 1 and 100", () => {
    const cf = (extra: string) =>
      loadConfig({
        configPath: "/virtual/myapp/pocket.toml",
        source: `${BASE}\n[cloudfront.main]\n${extra}routes = [{ is_default = true, build_dir = "dist" }]\n`,
        env: {},
        stage: "dev",
      });
    const ok = cf("");
    expect(ok.ok && ok.config.context.cloudfront!.main!.releases?.kept).toBe(5);
    const three = cf("kept_releases = 3\n");
    expect(three.ok && three.config.context.cloudfront!.main!.releases?.kept).toBe(3);
    const zero = cf("kept_releases = 0\n");
    expect(zero.ok).toBe(false);
    if (!zero.ok) expect(zero.diagnostics[0]!.path).toBe("cloudfront.main.kept_releases");
  });
});

import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { cloudfrontTemplate } from "../../src/templates/cloudfront.js";
import { containerTemplate } from "../../src/templates/container/index.js";
import { containerParameters } from "../../src/templates/container/parameters.js";
import type { Template } from "../../src/templates/template.js";
import { loadFunction, viewerRequest } from "../cloudfront-functions/harness.js";
import { cfnLint, type LintMatch, lintErrors } from "./cfn-lint.js";
import { loadInline } from "./context.js";

/** The original's current example (configuration.md, deploy_hash), as the config test has it. */
const EXAMPLE = readFileSync(
  new URL("../../../config/test/fixtures/deploy-hash.toml", import.meta.url),
  "utf8",
);

const ctx = loadInline(EXAMPLE, "sandbox").context;
const templates: Record<string, Template> = {};
let lint: Map<string, LintMatch[]>;

beforeAll(() => {
  templates.container = containerTemplate(ctx);
  templates.web = cloudfrontTemplate(ctx.cloudfront!.web!);
  lint = cfnLint(templates, { regions: ["ap-northeast-1"] });
});

const resources = (t: Template) => t.Resources as Record<string, { Type: string; Properties: any }>;

describe('versioning = "deploy_hash" templates (docs/decisions.md#e22-deploy-hash-versioning)', () => {
  it("are cfn-lint clean", () => {
    for (const name of Object.keys(templates)) expect(lintErrors(lint.get(name)!), name).toEqual([]);
  });

  it("the functions read DEPLOY_HASH from a parameter resolved from the deploy hash", () => {
    const t = templates.container!;
    expect(t.Parameters?.DeployHash).toMatchObject({
      Type: "String",
      AllowedPattern: "[A-Za-z0-9._-]{1,64}",
    });
    expect(containerParameters(ctx).DeployHash!.source).toEqual({ kind: "deploy-hash" });
    const functions = Object.values(resources(t)).filter((r) => r.Type === "AWS::Lambda::Function");
    expect(functions.length).toBe(2);
    for (const f of functions)
      expect(f.Properties.Environment.Variables.DEPLOY_HASH).toEqual({ Ref: "DeployHash" });
  });

  it("the route's behavior drops the hash folder at the edge and sends long-cache headers", async () => {
    const t = templates.web!;
    const dist = Object.values(resources(t)).find((r) => r.Type === "AWS::CloudFront::Distribution")!;
    const config = dist.Properties.DistributionConfig;
    const behavior = config.CacheBehaviors.find((b: any) => b.PathPattern === "/static/*");
    const functionId = behavior.FunctionAssociations[0].FunctionARN["Fn::GetAtt"][0];
    const fn = resources(t)[functionId]!;
    expect(fn.Type).toBe("AWS::CloudFront::Function");
    expect(fn.Properties.FunctionConfig.Comment).toBe("deploy hash for /static/*");
    const { handler } = loadFunction(fn.Properties.FunctionCode);
    const uri = async (u: string) => ((await handler(viewerRequest(u))) as { uri: string }).uri;
    expect(await uri("/static/abc1234/css/app.css")).toBe("/static/css/app.css");
    expect(await uri("/static/0f9e8d7/app.js")).toBe("/static/app.js");
    expect(await uri("/static/app.css")).toBe("/static/app.css");
    const policyId = behavior.ResponseHeadersPolicyId.Ref;
    expect(
      resources(t)[policyId]!.Properties.ResponseHeadersPolicyConfig.CustomHeadersConfig.Items[0].Value,
    ).toBe("public, max-age=31536000, immutable");
  });
});

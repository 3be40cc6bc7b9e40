import { beforeAll, describe, expect, it } from "vitest";
import { cloudfrontTemplate } from "../../src/templates/cloudfront.js";
import type { Template } from "../../src/templates/template.js";
import { cfnLint, type LintMatch, lintErrors } from "./cfn-lint.js";
import { loadInline } from "./context.js";

/** `waf.allow_rules` (the original's configuration.md): `/api/health` that path only, `/status/*` under it. */
const SOURCE = `[general]
region = "ap-northeast-1"
stages = ["dev"]

[s3]

[cloudfront.web]
routes = [{ is_default = true, is_spa = true }]

[cloudfront.web.waf]
enable_ip_set = true
allow_rules = [{ path = "/api/health" }, { path = "/status/*" }]
`;

let template: Template;
let lint: Map<string, LintMatch[]>;

beforeAll(() => {
  template = cloudfrontTemplate(loadInline(SOURCE).context.cloudfront!.web!);
  lint = cfnLint({ wafAllowRules: template }, { regions: ["us-east-1"] });
});

type Match = { ByteMatchStatement: { PositionalConstraint: string; SearchString: string } };

describe("waf.allow_rules on paths", () => {
  it("the first rule allows /api/health exactly and whole segments under /status", () => {
    const acl = Object.values(template.Resources).find((r) => r.Type === "AWS::WAFv2::WebACL")!;
    const [first] = (acl.Properties as { Rules: { Name: string; Action: object; Statement: unknown }[] })
      .Rules;
    expect(first!.Name).toBe("allow-paths");
    expect(first!.Action).toEqual({ Allow: {} });
    const matches = (first!.Statement as { OrStatement: { Statements: Match[] } }).OrStatement.Statements.map(
      (s) => [s.ByteMatchStatement.PositionalConstraint, s.ByteMatchStatement.SearchString],
    );
    expect(matches).toEqual([
      ["EXACTLY", "/status"],
      ["STARTS_WITH", "/status/"],
      ["EXACTLY", "/api/health"],
    ]);
  });

  it("passes cfn-lint", () => {
    expect(lintErrors(lint.get("wafAllowRules")!)).toEqual([]);
  });
});

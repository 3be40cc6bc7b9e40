import { beforeAll, describe, expect, it } from "vitest";
import { cloudfrontTemplate } from "../../src/templates/cloudfront.js";
import type { Template } from "../../src/templates/template.js";
import { cfnLint, type LintMatch, lintErrors } from "./cfn-lint.js";
import { loadInline } from "./context.js";

/*
 * `waf.allow_rules` with a `header` (the original's configuration.md): after the allow paths, a
 * rule allows a request whose x-pocket-waf-allow header is the secret's value (and, when given,
 * on the path); the value is a NoEcho parameter, never in the template.
 */
const SOURCE = `[general]
region = "ap-northeast-1"
stages = ["dev"]

[s3]

[container.web]
dockerfile_path = "Dockerfile"
[container.web.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[cloudfront.web]
routes = [{ is_default = true, is_spa = true }]

[cloudfront.web.waf]
enable_ip_set = true
allow_rules = [
  { path = "/api/health" },
  { path = "/api/smoke/*", header = "SMOKE_ALLOW_SECRET" },
  { path = "/status", header = "STATUS_SECRET" },
]
`;

let template: Template;
let lint: Map<string, LintMatch[]>;

beforeAll(() => {
  template = cloudfrontTemplate(loadInline(SOURCE).context.cloudfront!.web!);
  lint = cfnLint({ wafAllowHeader: template }, { regions: ["us-east-1"] });
});

type Rule = { Name: string; Priority: number; Action: object; Statement: any };
const rules = () =>
  (
    Object.values(template.Resources).find((r) => r.Type === "AWS::WAFv2::WebACL")!.Properties as {
      Rules: Rule[];
    }
  ).Rules;

describe("waf.allow_rules on a secret header", () => {
  it("allows the header's value on its path, right after the allow paths", () => {
    const [paths, header] = rules();
    expect(paths!.Name).toBe("allow-paths");
    expect(header).toMatchObject({ Name: "allow-header", Priority: 1, Action: { Allow: {} } });
    const [smoke, status] = header!.Statement.OrStatement.Statements;
    const [value, under] = smoke.AndStatement.Statements;
    expect(value.ByteMatchStatement).toEqual({
      FieldToMatch: { SingleHeader: { Name: "x-pocket-waf-allow" } },
      PositionalConstraint: "EXACTLY",
      SearchString: { Ref: "WafAllowSMOKEALLOWSECRET" },
      TextTransformations: [{ Priority: 0, Type: "NONE" }],
    });
    expect(
      under.OrStatement.Statements.map((s: any) => [
        s.ByteMatchStatement.PositionalConstraint,
        s.ByteMatchStatement.SearchString,
      ]),
    ).toEqual([
      ["EXACTLY", "/api/smoke"],
      ["STARTS_WITH", "/api/smoke/"],
    ]);
    expect(status.AndStatement.Statements[1].ByteMatchStatement).toMatchObject({
      PositionalConstraint: "EXACTLY",
      SearchString: "/status",
    });
  });

  it("takes each value as a NoEcho parameter", () => {
    expect(template.Parameters!.WafAllowSMOKEALLOWSECRET).toMatchObject({ Type: "String", NoEcho: true });
    expect(template.Parameters!.WafAllowSTATUSSECRET).toMatchObject({ Type: "String", NoEcho: true });
  });

  it("cfn-lint finds no error, and nothing about the WAF", () => {
    expect(lintErrors(lint.get("wafAllowHeader")!)).toEqual([]);
    expect(lint.get("wafAllowHeader")!.filter((m) => /WebAcl|WafAllow/.test(m.path))).toEqual([]);
  });
});

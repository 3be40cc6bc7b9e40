import { describe, expect, it } from "vitest";
import { policyFor, roleTemplate } from "../src/commands/permissions-actions.js";
import { concretePolicy } from "../src/commands/permissions-policy.js";
import { type Context, isAllowed, type PolicyDocument } from "./ops-iam-evaluator.js";
import { FULL_STAGE } from "./safety-full-stage.js";
import { cfnLint } from "./templates/cfn-lint.js";
import { loadInline } from "./templates/context.js";

/*
 * Issue 20 item 3: one stage's deploy role must not delete or change another stage's resources.
 * A production-like stage (the full stage with custom domains, certificates, DNS records and a
 * WAF) is generated, and each destructive call is evaluated, conditions included, on this stage's
 * resource and on another stage's.
 */
const ACCOUNT = "123456789012";
const TOML = FULL_STAGE.replace(
  'origin_path = "/spa"',
  `origin_path = "/spa"
domain = "www.full.example.com"
waf = { ip_allow_list = ["/admin"], managed_rule_groups = ["AWSManagedRulesCommonRuleSet"], rate_limit = 2000 }`,
).replace('origin_path = "/media"', 'origin_path = "/media"\ndomain = "media.full.example.com"');
const ctx = loadInline(`${TOML}
[dev.awscontainer.iam]
permissions_boundary = "arn:aws:iam::${ACCOUNT}:policy/dev-full-pocket-boundary"
`).context;
const policy = concretePolicy(policyFor(ctx), ACCOUNT, "aws") as PolicyDocument;
const statements = policy.Statement as {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: string[] | "*";
  Condition?: unknown;
}[];

const STACK_TAG = "aws:ResourceTag/aws:cloudformation:stack-name";
const call = (action: string, resource: string, context: Context) => ({
  service: action.split(":")[0]!,
  action,
  resources: [resource],
  context,
});

/** The calls that end or take over a resource: none may be open to every resource. */
const DESTRUCTIVE = [
  "cloudfront:DeleteDistribution",
  "cloudfront:UpdateDistribution",
  "ec2:DeleteVpc",
  "ec2:DeleteSubnet",
  "ec2:DeleteSecurityGroup",
  "ec2:RevokeSecurityGroupIngress",
  "ec2:AuthorizeSecurityGroupIngress",
  "ec2:DeleteNatGateway",
  "ec2:DeleteRouteTable",
  "ec2:ReleaseAddress",
  "elasticfilesystem:DeleteFileSystem",
  "elasticfilesystem:DeleteAccessPoint",
  "wafv2:DeleteWebACL",
  "wafv2:UpdateWebACL",
  "wafv2:DeleteIPSet",
  "wafv2:UpdateIPSet",
  "acm:DeleteCertificate",
  "route53:ChangeResourceRecordSets",
];

describe("pocket permissions: one stage's resources only (issue 20 item 3)", () => {
  it("leaves no destructive call on every resource without a condition", () => {
    const open = statements.filter((s) => s.Effect === "Allow" && s.Resource === "*" && !s.Condition);
    const offenders = open.flatMap((s) =>
      s.Action.filter((a) => DESTRUCTIVE.includes(a)).map((a) => `${s.Sid}: ${a}`),
    );
    expect(offenders).toEqual([]);
    // The types are there (else this test would prove nothing).
    const all = statements.flatMap((s) => s.Action);
    for (const a of DESTRUCTIVE) expect(all, a).toContain(a);
  });

  it("deletes resources CloudFormation made in this stage's stacks, not another stage's", () => {
    const cases: [string, string, string][] = [
      [
        "cloudfront:DeleteDistribution",
        `arn:aws:cloudfront::${ACCOUNT}:distribution/E2ABC`,
        "dev-full-main-cloudfront",
      ],
      [
        "cloudfront:UpdateDistribution",
        `arn:aws:cloudfront::${ACCOUNT}:distribution/E2ABC`,
        "dev-full-main-cloudfront",
      ],
      ["ec2:DeleteVpc", `arn:aws:ec2:ap-northeast-1:${ACCOUNT}:vpc/vpc-1`, "full-pocket-vpc"],
      [
        "ec2:DeleteSecurityGroup",
        `arn:aws:ec2:ap-northeast-1:${ACCOUNT}:security-group/sg-1`,
        "full-pocket-vpc",
      ],
      [
        "elasticfilesystem:DeleteFileSystem",
        `arn:aws:elasticfilesystem:ap-northeast-1:${ACCOUNT}:file-system/fs-1`,
        "full-pocket-vpc",
      ],
      [
        "acm:DeleteCertificate",
        `arn:aws:acm:ap-northeast-1:${ACCOUNT}:certificate/c-1`,
        "dev-full-container",
      ],
    ];
    for (const [action, arn, stack] of cases) {
      expect(isAllowed(policy, call(action, arn, { [STACK_TAG]: stack })), `${action} own`).toBe(true);
      expect(
        isAllowed(policy, call(action, arn, { [STACK_TAG]: stack.replace(/^dev-|^full-/, "prd-") })),
        `${action} other`,
      ).toBe(false);
      expect(isAllowed(policy, call(action, arn, {})), `${action} untagged`).toBe(false);
    }
  });

  it("changes the stage's WAF by name, its DNS records by record name, its database group by tag", () => {
    const waf = (kind: string, name: string) =>
      `arn:aws:wafv2:us-east-1:${ACCOUNT}:global/${kind}/${name}/0b1c`;
    for (const action of ["wafv2:DeleteWebACL", "wafv2:UpdateWebACL"]) {
      expect(isAllowed(policy, call(action, waf("webacl", "dev-full-main-waf"), {})), action).toBe(true);
      expect(isAllowed(policy, call(action, waf("webacl", "prd-full-main-waf"), {})), action).toBe(false);
    }
    expect(isAllowed(policy, call("wafv2:UpdateIPSet", waf("ipset", "dev-full-main-allow-v4"), {}))).toBe(
      true,
    );
    expect(isAllowed(policy, call("wafv2:UpdateIPSet", waf("ipset", "office-allow"), {}))).toBe(false);

    const zone = "arn:aws:route53:::hostedzone/Z123";
    const records = (names: string[]) =>
      call("route53:ChangeResourceRecordSets", zone, {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
      });
    expect(isAllowed(policy, records(["media.full.example.com", "_3f2a.media.full.example.com"]))).toBe(true);
    expect(isAllowed(policy, records(["www.full.example.com"]))).toBe(true);
    expect(isAllowed(policy, records(["www.full.example.com", "mail.full.example.com"]))).toBe(false);
    expect(isAllowed(policy, records(["full.example.com"]))).toBe(false);
    expect(isAllowed(policy, call("route53:ChangeResourceRecordSets", zone, {}))).toBe(false);

    const group = `arn:aws:ec2:ap-northeast-1:${ACCOUNT}:security-group/sg-9`;
    const named = (name: string) => ({ "aws:ResourceTag/Name": name });
    expect(
      isAllowed(policy, call("ec2:AuthorizeSecurityGroupIngress", group, named(ctx.rds!.securityGroupName))),
    ).toBe(true);
    expect(
      isAllowed(policy, call("ec2:AuthorizeSecurityGroupIngress", group, named("prd-full-pocket-rds"))),
    ).toBe(false);
  });

  it("says why for every wildcard that remains", () => {
    const reasons = policyFor(ctx).reasons;
    for (const s of statements.filter((x) => x.Resource === "*")) expect(reasons[s.Sid], s.Sid).toBeTruthy();
  });

  it("still fits a role template: managed policies within IAM's limits, cfn-lint clean", () => {
    const t = roleTemplate(ctx, policyFor(ctx), "github:acme/shop:environment:prd");
    const policies = Object.values(t.Resources).filter((r) => r.Type === "AWS::IAM::ManagedPolicy");
    // At most 10 managed policies per role (IAM's default quota), each within 6144 characters.
    expect(policies.length).toBeLessThanOrEqual(10);
    for (const p of policies) expect(JSON.stringify(p.Properties!.PolicyDocument).length).toBeLessThan(6144);
    expect(cfnLint({ role: t }).get("role")).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import {
  githubSubject,
  policyFor,
  roleTemplate,
  stackResourceTypes,
} from "../src/commands/permissions-actions.js";
import { concretePolicy } from "../src/commands/permissions-policy.js";
import { isAllowed, matches, type PolicyDocument } from "./ops-iam-evaluator.js";
import { FULL_STAGE } from "./safety-full-stage.js";
import { cfnLint } from "./templates/cfn-lint.js";
import { loadInline } from "./templates/context.js";

const SCHEDULES = `
[dev.awscontainer.iam]
permissions_boundary = "arn:aws:iam::123456789012:policy/dev-full-pocket-boundary"

[scheduler.schedules.ping]
rate = "1 hour"
handler = "wsgi"
input = { path = "/health" }
`;
const ctx = loadInline(`${FULL_STAGE}${SCHEDULES}`).context;
const generated = policyFor(ctx);
const policy = concretePolicy(generated, "123456789012", "aws") as PolicyDocument & {
  Statement: {
    Sid: string;
    Action: string[];
    Resource: string[] | "*";
    Condition?: Record<string, Record<string, unknown>>;
  }[];
};

describe("the IAM evaluator of the proof", () => {
  it("matches actions case-insensitively and ARNs with * and ?", () => {
    expect(matches("s3:Get*", "s3:getobject", true)).toBe(true);
    expect(
      matches(
        "arn:aws:secretsmanager:r:1:secret:dev-app-??????",
        "arn:aws:secretsmanager:r:1:secret:dev-app-AbCdEf",
      ),
    ).toBe(true);
    expect(
      matches(
        "arn:aws:secretsmanager:r:1:secret:dev-app-??????",
        "arn:aws:secretsmanager:r:1:secret:dev-app-x-AbCdEf",
      ),
    ).toBe(false);
    expect(matches("arn:aws:s3:::bucket", "arn:aws:s3:::bucket2")).toBe(false);
  });
  it("denies the same call on another stage's resources", () => {
    const own = {
      service: "cloudformation",
      action: "cloudformation:UpdateStack",
      resources: ["arn:aws:cloudformation:ap-northeast-1:123456789012:stack/dev-full-container/id"],
    };
    expect(isAllowed(policy, own)).toBe(true);
    expect(
      isAllowed(policy, {
        ...own,
        resources: ["arn:aws:cloudformation:ap-northeast-1:123456789012:stack/prd-full-container/id"],
      }),
    ).toBe(false);
    expect(
      isAllowed(policy, {
        service: "s3",
        action: "s3:PutObject",
        resources: ["arn:aws:s3:::someone-else/x"],
      }),
    ).toBe(false);
    expect(
      isAllowed(policy, {
        service: "iam",
        action: "iam:CreateUser",
        resources: ["arn:aws:iam::123456789012:user/x"],
      }),
    ).toBe(false);
  });
});

describe("pocket permissions: the generated policy", () => {
  it("scopes to the stage's names and gives a reason for every wildcard", () => {
    for (const s of policy.Statement) {
      const wild =
        s.Resource === "*" ||
        s.Resource.some((r) => /:\*$|\/\*$|::\/apis/.test(r) && !/dev-full|full-pocket/.test(r));
      if (s.Resource === "*" || wild) expect(generated.reasons[s.Sid], s.Sid).toBeTruthy();
    }
    const stacks = policy.Statement.find((s) => s.Sid === "StageStacks")!;
    expect(stacks.Resource).toEqual(
      expect.arrayContaining([
        "arn:aws:cloudformation:ap-northeast-1:123456789012:stack/dev-full-container/*",
        "arn:aws:cloudformation:ap-northeast-1:123456789012:stack/full-pocket-vpc/*",
        "arn:aws:cloudformation:us-east-1:123456789012:stack/dev-full-main-cloudfront/*",
        "arn:aws:cloudformation:us-east-1:123456789012:stack/dev-full-media-cloudfront-keys/*",
      ]),
    );
    const functions = policy.Statement.find((s) => s.Sid === "StackLambda")!;
    expect(functions.Resource).toContain(
      "arn:aws:lambda:ap-northeast-1:123456789012:function:dev-full-pocket-wsgi",
    );
    expect((functions.Resource as string[]).every((r) => r.includes(":function:dev-full-pocket-"))).toBe(
      true,
    );
  });

  it("passes each role only to the service that assumes it", () => {
    const pass = policy.Statement.filter((s) => s.Action.includes("iam:PassRole"));
    expect(pass.map((s) => s.Sid).sort()).toEqual([
      "PassCodeBuildRole",
      "PassFunctionRole",
      "PassScheduleRoles",
    ]);
    for (const s of pass) {
      expect(s.Action).toEqual(["iam:PassRole"]);
      expect(s.Resource).not.toBe("*");
      expect(Object.keys(s.Condition!.StringEquals!)).toEqual(["iam:PassedToService"]);
    }
    expect(pass.find((s) => s.Sid === "PassScheduleRoles")!.Resource).toEqual([
      "arn:aws:iam::123456789012:role/dev-full-pocket-schedule-ping",
    ]);
  });

  it("knows the actions of every resource type the stage's stacks use", () => {
    const types = stackResourceTypes(ctx);
    expect(types).toEqual(
      expect.arrayContaining([
        "AWS::Scheduler::Schedule",
        "AWS::EFS::AccessPoint",
        "AWS::CloudFront::KeyGroup",
      ]),
    );
    expect(Object.keys(generated.resourceTypes).sort()).toEqual(types);
  });
});

describe("pocket permissions: the user's own secrets", () => {
  const withUser = (store: string) =>
    concretePolicy(
      policyFor(
        loadInline(`${FULL_STAGE}${SCHEDULES}
[awscontainer.secrets]
store = "${store}"

[awscontainer.secrets.user]
API_KEY = { name = "shop/api-key" }
`).context,
      ),
      "123456789012",
      "aws",
    ) as PolicyDocument;
  it("lets plan, deploy and status ask whether each exists, and nothing more", () => {
    const sm = withUser("sm");
    const call = (secret: string, action = "secretsmanager:DescribeSecret") => ({
      service: "secretsmanager",
      action,
      resources: [`arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:${secret}`],
    });
    expect(isAllowed(sm, call("shop/api-key-AbCdEf"))).toBe(true);
    expect(isAllowed(sm, call("shop/api-key-AbCdEf", "secretsmanager:GetSecretValue"))).toBe(false);
    expect(isAllowed(sm, call("shop/other-AbCdEf"))).toBe(false);
    const ssm = withUser("ssm");
    const parameter = (name: string) => ({
      service: "ssm",
      action: "ssm:GetParameter",
      resources: [`arn:aws:ssm:ap-northeast-1:123456789012:parameter/${name}`],
    });
    expect(isAllowed(ssm, parameter("shop/api-key"))).toBe(true);
    expect(isAllowed(ssm, parameter("shop/other"))).toBe(false);
  });
});

describe("pocket permissions --role-template", () => {
  it("reads github:OWNER/REPO[:ref] into the token's sub claim", () => {
    expect(githubSubject("github:acme/shop:main").sub).toBe("repo:acme/shop:ref:refs/heads/main");
    expect(githubSubject("github:acme/shop:refs/tags/v1.2.0").sub).toBe(
      "repo:acme/shop:ref:refs/tags/v1.2.0",
    );
    expect(githubSubject("github:acme/shop:environment:prd").sub).toBe("repo:acme/shop:environment:prd");
    expect(() => githubSubject("gitlab:acme/shop")).toThrow(/not github:OWNER\/REPO/);
  });

  // Issue 20 item 2: never the whole repository, and no wildcard unless asked for.
  it("trusts the main branch when no ref is given, not every branch and pull request", () => {
    const s = githubSubject("github:acme/shop");
    expect(s.sub).toBe("repo:acme/shop:ref:refs/heads/main");
    expect(s.trusts).toMatch(/acme\/shop on the branch main, and nothing else/);
  });

  it("refuses a wildcard in the ref unless --allow-wildcard-subject", () => {
    for (const spec of [
      "github:acme/shop:main*",
      "github:acme/shop:refs/tags/v*",
      "github:acme/shop:environment:p?d",
    ])
      expect(() => githubSubject(spec), spec).toThrow(/has a wildcard/);
    expect(githubSubject("github:acme/shop:refs/tags/v*", { allowWildcard: true }).sub).toBe(
      "repo:acme/shop:ref:refs/tags/v*",
    );
    const exact = roleTemplate(ctx, generated, "github:acme/shop").Resources.DeployRole!.Properties as any;
    const trust = exact.AssumeRolePolicyDocument.Statement[0].Condition;
    expect(trust).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme/shop:ref:refs/heads/main",
      },
    });
    const wild = roleTemplate(ctx, generated, "github:acme/shop:refs/tags/v*", { allowWildcard: true })
      .Resources.DeployRole!.Properties as any;
    expect(wild.AssumeRolePolicyDocument.Statement[0].Condition.StringLike).toEqual({
      "token.actions.githubusercontent.com:sub": "repo:acme/shop:ref:refs/tags/v*",
    });
  });

  it("is a role GitHub's OIDC provider may assume for that repository only, and cfn-lint clean", () => {
    const t = roleTemplate(ctx, generated, "github:acme/shop:main");
    const role = t.Resources.DeployRole!.Properties as any;
    const trust = role.AssumeRolePolicyDocument.Statement[0];
    expect(trust.Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(trust.Condition.StringEquals).toEqual({
      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": "repo:acme/shop:ref:refs/heads/main",
    });
    expect(t.Resources.GitHubOidcProvider!.Condition).toBe("CreateProvider");
    const policies = Object.entries(t.Resources).filter(
      ([id, r]) => r.Type === "AWS::IAM::ManagedPolicy" && id !== "StageBoundary",
    );
    expect(role.ManagedPolicyArns).toHaveLength(policies.length);
    // The stage's boundary is made here, by whoever deploys the template, not by the deploy role.
    const boundary = t.Resources.StageBoundary!.Properties as any;
    expect(boundary.ManagedPolicyName).toBe("dev-full-pocket-boundary");
    expect(JSON.stringify(boundary.PolicyDocument).length).toBeLessThan(6144);
    // Each managed policy fits IAM's 6144-character limit (whitespace is not counted).
    for (const [, p] of policies)
      expect(JSON.stringify(p.Properties!.PolicyDocument).length).toBeLessThan(6144);
    const statements = policies.flatMap(
      ([, p]) => (p.Properties!.PolicyDocument as { Statement: unknown[] }).Statement,
    );
    expect(statements).toHaveLength(generated.statements.length);
    expect(cfnLint({ role: t }).get("role")).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { containerTemplate } from "../../src/templates/container/index.js";
import type { Template } from "../../src/templates/template.js";
import { cfnLint, lintErrors } from "./cfn-lint.js";
import { loadInline } from "./context.js";

const BASE = `
[general]
region = "ap-northeast-1"
project_name = "myapp"
stages = ["dev"]

[awscontainer]
dockerfile_path = "pocket.Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[awscontainer.handlers.management]
command = "pocket.django.lambda_handlers.management_command_handler"
timeout = 600
sqs = {}

[awscontainer.handlers.sqs-mgmt]
command = "pocket.django.lambda_handlers.sqs_management_command_handler"
sqs = { report_batch_item_failures = false }
`;

type Statement = { Sid: string; Action: string[]; Resource: unknown };

function statements(t: Template): Statement[] {
  const role = t.Resources.LambdaRole as unknown as {
    Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] };
  };
  return role.Properties.Policies[0]!.PolicyDocument.Statement;
}

function variables(t: Template, fn = "WsgiLambdaFunction"): Record<string, unknown> {
  const f = t.Resources[fn] as unknown as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  };
  return f.Properties.Environment.Variables;
}

describe("container template: [ses], SQS failure reporting and [awscontainer.iam]", () => {
  const withSes = containerTemplate(
    loadInline(`${BASE}
[ses]
from_email = "noreply@example.com"
region = "us-east-1"
configuration_set = "tracking"
`).context,
  );
  const domainOnly = containerTemplate(loadInline(`${BASE}\n[ses]\nfrom_email = "example.org"\n`).context);
  const without = containerTemplate(loadInline(BASE).context);
  let iamTemplate: Template | undefined;

  it("hands the sender, the SES region and the configuration set to every function", () => {
    for (const fn of ["WsgiLambdaFunction", "ManagementLambdaFunction", "SqsMgmtLambdaFunction"]) {
      expect(variables(withSes, fn)).toMatchObject({
        POCKET_SES_FROM_EMAIL: "noreply@example.com",
        POCKET_SES_REGION: "us-east-1",
        POCKET_SES_CONFIGURATION_SET: "tracking",
      });
    }
    expect(variables(domainOnly)).toMatchObject({
      POCKET_SES_FROM_EMAIL: "example.org",
      POCKET_SES_REGION: "ap-northeast-1",
    });
    expect(variables(domainOnly)).not.toHaveProperty("POCKET_SES_CONFIGURATION_SET");
    expect(Object.keys(variables(without)).filter((k) => k.startsWith("POCKET_SES_"))).toEqual([]);
  });

  it("lets the role send only as the identity (and through its configuration set)", () => {
    const send = statements(withSes).filter((s) => s.Action.some((a) => a.startsWith("ses:")));
    expect(send).toEqual([
      {
        Sid: "SendEmailAsIdentity",
        Effect: "Allow",
        Action: ["ses:SendEmail", "ses:SendRawEmail"],
        Resource: [
          { "Fn::Sub": "arn:${AWS::Partition}:ses:us-east-1:${AWS::AccountId}:identity/noreply@example.com" },
          { "Fn::Sub": "arn:${AWS::Partition}:ses:us-east-1:${AWS::AccountId}:identity/example.com" },
          { "Fn::Sub": "arn:${AWS::Partition}:ses:us-east-1:${AWS::AccountId}:configuration-set/tracking" },
        ],
      },
    ]);
    const domain = statements(domainOnly).find((s) => s.Sid === "SendEmailAsIdentity");
    expect(domain?.Resource).toEqual([
      { "Fn::Sub": "arn:${AWS::Partition}:ses:ap-northeast-1:${AWS::AccountId}:identity/example.org" },
    ]);
    expect(
      statements(without)
        .flatMap((s) => s.Action)
        .filter((a) => a.startsWith("ses:")),
    ).toEqual([]);
    // Never a wildcard action or resource for SES.
    for (const s of statements(withSes)) {
      if (s.Action.some((a) => a.startsWith("ses:"))) expect(JSON.stringify(s.Resource)).not.toContain("*");
    }
  });

  it("says per SQS handler whether Lambda reads batchItemFailures", () => {
    const env = variables(without);
    expect(env.POCKET_MANAGEMENT_REPORT_BATCH_ITEM_FAILURES).toBe("true");
    expect(env.POCKET_SQS_MGMT_REPORT_BATCH_ITEM_FAILURES).toBe("false");
    expect(env).not.toHaveProperty("POCKET_WSGI_REPORT_BATCH_ITEM_FAILURES");
    const mapping = (k: string) =>
      (without.Resources[k] as { Properties: { FunctionResponseTypes?: string[] } }).Properties
        .FunctionResponseTypes;
    // The variable and the event source mapping must agree.
    expect(mapping("ManagementSqsEventSourceMapping")).toEqual(["ReportBatchItemFailures"]);
    expect(mapping("SqsMgmtSqsEventSourceMapping")).toBeUndefined();
  });

  it("adds [awscontainer.iam]: managed policies, inline policies and the boundary, as written", () => {
    const t = containerTemplate(
      loadInline(`${BASE}
[awscontainer.iam]
managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonTextractFullAccess", "arn:aws:iam::123456789012:policy/team-read"]
permissions_boundary = "arn:aws:iam::123456789012:policy/boundary"

[awscontainer.iam.inline_policies.translate]
Version = "2012-10-17"
Statement = [{ Effect = "Allow", Action = ["translate:TranslateText"], Resource = "*" }]
`).context,
    );
    const role = (t.Resources.LambdaRole as unknown as { Properties: Record<string, unknown> }).Properties;
    expect(role.ManagedPolicyArns).toEqual([
      "arn:aws:iam::aws:policy/AmazonTextractFullAccess",
      "arn:aws:iam::123456789012:policy/team-read",
    ]);
    expect(role.PermissionsBoundary).toBe("arn:aws:iam::123456789012:policy/boundary");
    const policies = role.Policies as { PolicyName: string; PolicyDocument: unknown }[];
    expect(policies.map((p) => p.PolicyName)).toEqual(["lambda-dev-myapp-pocket-policy", "translate"]);
    expect(policies[1]!.PolicyDocument).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["translate:TranslateText"], Resource: "*" }],
    });
    const plain = (without.Resources.LambdaRole as unknown as { Properties: Record<string, unknown> })
      .Properties;
    expect(plain).not.toHaveProperty("ManagedPolicyArns");
    expect(plain).not.toHaveProperty("PermissionsBoundary");
    expect((plain.Policies as unknown[]).length).toBe(1);
    iamTemplate = t;
  });

  it("is cfn-lint clean", () => {
    const lint = cfnLint({
      ses: withSes,
      sesDomain: domainOnly,
      noSes: without,
      ...(iamTemplate ? { iam: iamTemplate } : {}),
    });
    expect(iamTemplate, "the [awscontainer.iam] test ran first").toBeDefined();
    for (const [name, matches] of lint) expect(lintErrors(matches), name).toEqual([]);
  });
});

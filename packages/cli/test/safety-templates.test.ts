import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cloudfrontTemplate } from "../src/templates/cloudfront.js";
import { cloudfrontKeysTemplate } from "../src/templates/cloudfront-keys.js";
import { lambdaRole } from "../src/templates/container/iam.js";
import type { Template } from "../src/templates/template.js";
import { vpcTemplate } from "../src/templates/vpc.js";
import { FULL_STAGE } from "./safety-full-stage.js";
import { cfnLint, type LintMatch, lintErrors } from "./templates/cfn-lint.js";
import { loadInline } from "./templates/context.js";

const WITH_BUCKET = `
[general]
region = "ap-northeast-1"
project_name = "myapp"
stages = ["dev"]

[s3]

[awscontainer]
dockerfile_path = "pocket.Dockerfile"

[awscontainer.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}
`;

type Statement = { Sid: string; Action: string[] };

describe("issue 11 item 15: the Lambda role", () => {
  it("uses the stage bucket's objects without any ACL permission", () => {
    const role = lambdaRole(loadInline(WITH_BUCKET).context);
    const policy = (role.Properties!.Policies as { PolicyDocument: { Statement: Statement[] } }[])[0]!;
    const actions = policy.PolicyDocument.Statement.flatMap((s) => s.Action);
    expect(actions).toContain("s3:PutObject");
    expect(actions.filter((a) => /acl/i.test(a))).toEqual([]);
  });
});

describe("issue 11 items 17 and 22: ARNs in the templates of the full stage", () => {
  const templates: Record<string, Template> = {};
  let lint: Map<string, LintMatch[]>;
  beforeAll(() => {
    const ctx = loadInline(FULL_STAGE).context;
    templates.vpc = vpcTemplate(ctx);
    for (const [name, cf] of Object.entries(ctx.cloudfront ?? {})) {
      templates[`cloudfront-${name}`] = cloudfrontTemplate(cf);
      if (cf.signingKey) templates[`cloudfront-keys-${name}`] = cloudfrontKeysTemplate(cf);
    }
    templates.role = {
      AWSTemplateFormatVersion: "2010-09-09",
      Description: "the Lambda role alone",
      Parameters: { RdsSecretArn: { Type: "String" } },
      Resources: { LambdaRole: lambdaRole(ctx) },
    };
    // The role alone is not a deployable template (it names the container stack's queues).
    const { role: _role, ...stacks } = templates;
    lint = cfnLint(stacks, { regions: ["ap-northeast-1", "us-east-1"] });
  });

  it("builds the EFS access point's ARN from its id, in the stack's partition", () => {
    expect(templates.vpc!.Outputs!.EFSAccessPointArn!.Value).toEqual({
      "Fn::Sub":
        "arn:${AWS::Partition}:elasticfilesystem:${AWS::Region}:${AWS::AccountId}:access-point/${EfsAccessPoint}",
    });
  });

  it("never writes an ARN with a fixed partition", () => {
    for (const [name, t] of Object.entries(templates)) {
      expect(JSON.stringify(t).match(/arn:aws[a-z-]*:/g) ?? [], name).toEqual([]);
    }
  });

  it("are cfn-lint clean", () => {
    for (const [name, matches] of lint) expect(lintErrors(matches), name).toEqual([]);
  });
});

describe("issue 11 item 17: ARNs built in code", () => {
  it("take the partition from the caller or the template, never a fixed `arn:aws:`", () => {
    const root = join(__dirname, "../src");
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith(".ts")) {
          readFileSync(path, "utf8")
            .split("\n")
            .forEach((line, i) => {
              const code = line.replace(/^\s*(\/\/|\*|\/\*).*$/, "");
              if (/arn:aws[:"`]/.test(code))
                offenders.push(`${path.slice(root.length + 1)}:${i + 1}: ${line.trim()}`);
            });
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});

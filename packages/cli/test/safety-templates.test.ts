import { describe, expect, it } from "vitest";
import { lambdaRole } from "../src/templates/container/iam.js";
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

import { describe, expect, it } from "vitest";
import { boundaryFor, policyFor } from "../src/commands/permissions-actions.js";
import { concretePolicy } from "../src/commands/permissions-policy.js";
import { isAllowed, type PolicyDocument } from "./ops-iam-evaluator.js";
import { loadInline } from "./templates/context.js";

/**
 * A stage of two containers (the original's current spelling): `pocket permissions` covers each
 * container's repository, build, functions, queues, roles and secrets, and the boundary names
 * each statement once.
 */
const TWO_CONTAINERS = `
[general]
region = "ap-northeast-1"
project_name = "multi"
stages = ["dev"]

[dev.container.web.iam]
permissions_boundary = "arn:aws:iam::123456789012:policy/dev-multi-pocket-boundary"

[container.web]
dockerfile_path = "Dockerfile"
[container.web.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }
[container.web.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = {}

[container.v2]
dockerfile_path = "v2/Dockerfile"
[container.v2.secrets.managed]
SECRET_KEY = { type = "password", options = { length = 50 } }
[container.v2.handlers.worker]
command = "app.handler"
sqs = {}
`;

describe("pocket permissions for a stage of two containers", () => {
  const ctx = loadInline(TWO_CONTAINERS).context;
  const policy = concretePolicy(policyFor(ctx), "123456789012", "aws") as PolicyDocument;
  const v2 = ctx.containers!.v2!;

  it("allows the second container's repository, build, function, queue and role", () => {
    const arn = (service: string, resource: string) =>
      `arn:aws:${service}:ap-northeast-1:123456789012:${resource}`;
    const calls = [
      ["ecr:PutImage", arn("ecr", `repository/${v2.ecrRepository}`)],
      ["codebuild:StartBuild", arn("codebuild", `project/${v2.build.codebuildProject}`)],
      ["lambda:UpdateFunctionCode", arn("lambda", `function:${v2.handlers.worker!.functionName}`)],
      ["sqs:CreateQueue", arn("sqs", v2.handlers.worker!.queueName!)],
    ] as const;
    for (const [action, resource] of calls)
      expect(
        isAllowed(policy, { service: action.split(":")[0]!, action, resources: [resource] }),
        action,
      ).toBe(true);
    expect(
      isAllowed(policy, {
        service: "iam",
        action: "iam:PassRole",
        resources: [`arn:aws:iam::123456789012:role/${v2.roleName}`],
        context: { "iam:PassedToService": "lambda.amazonaws.com" },
      }),
    ).toBe(true);
  });

  it("gives every statement of the policy and of the boundary its own Sid", () => {
    const sids = (policy.Statement as { Sid: string }[]).map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    const boundary = boundaryFor(ctx).Statement.map((s) => (s as { Sid: string }).Sid);
    expect(new Set(boundary).size).toBe(boundary.length);
  });
});

import { describe, expect, it } from "vitest";
import { policyFor } from "../src/commands/permissions-actions.js";
import { concretePolicy } from "../src/commands/permissions-policy.js";
import { isAllowed, type PolicyDocument } from "./ops-iam-evaluator.js";
import { loadInline } from "./templates/context.js";

/*
 * `pocket permissions` for a stage of two `[container.<name>]` whose APIs have custom domains:
 * the DNS records the stacks write are allowed by record name for either container's domain,
 * and no other name (the calls pocket itself makes are checked on moto in
 * aws/several-containers-permissions.test.ts).
 */
const ACCOUNT = "123456789012";
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/multi-pocket-boundary`;
const ctx = loadInline(`[general]
region = "ap-northeast-1"
project_name = "multi"
stages = ["dev", "prd"]

[container.web]
dockerfile_path = "Dockerfile"
permissions_boundary = "${BOUNDARY}"
[container.web.handlers.wsgi]
command = "pocket.django.lambda_handlers.wsgi_handler"
apigateway = { domain = "api.multi.example.com" }

[container.v2]
dockerfile_path = "v2/Dockerfile"
permissions_boundary = "${BOUNDARY}"
[container.v2.handlers.wsgi]
command = "app.handler"
apigateway = { domain = "v2.multi.example.com" }
`).context;
const policy = concretePolicy(policyFor(ctx), ACCOUNT, "aws") as PolicyDocument;
const records = (names: string[]) => ({
  service: "route53",
  action: "route53:ChangeResourceRecordSets",
  resources: ["arn:aws:route53:::hostedzone/Z123"],
  context: { "route53:ChangeResourceRecordSetsNormalizedRecordNames": names },
});

describe("pocket permissions for several containers with API domains", () => {
  it("writes each container's API records by name, and no other", () => {
    expect(isAllowed(policy, records(["api.multi.example.com"]))).toBe(true);
    expect(isAllowed(policy, records(["v2.multi.example.com", "_3f2a.v2.multi.example.com"]))).toBe(true);
    expect(isAllowed(policy, records(["v3.multi.example.com"]))).toBe(false);
    expect(isAllowed(policy, records(["multi.example.com"]))).toBe(false);
  });
});

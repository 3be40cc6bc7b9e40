import { describe, expect, it } from "vitest";
import { boundaryFor } from "../src/commands/permissions-actions.js";
import { loadInline } from "./templates/context.js";

/**
 * The permissions boundary of a stage of two containers: both roles' templates use the same
 * logical ids, so the same statement names come twice, and IAM wants each Sid once in a policy.
 * (What the deploy policy allows for either container: test/aws/several-containers-permissions.)
 */
describe("pocket permissions --boundary for a stage of two containers", () => {
  it("gives every statement its own Sid", () => {
    const ctx = loadInline(`
[general]
region = "ap-northeast-1"
project_name = "pair"
stages = ["dev"]

[dev.container.a.iam]
permissions_boundary = "arn:aws:iam::123456789012:policy/dev-pair-pocket-boundary"

[container.a]
dockerfile_path = "Dockerfile"
[container.a.handlers.web]
command = "app.web"

[container.b]
dockerfile_path = "Dockerfile"
[container.b.handlers.web]
command = "app.web"
`).context;
    const sids = boundaryFor(ctx).Statement.map((s) => (s as { Sid: string }).Sid);
    expect(sids.length).toBeGreaterThan(2);
    expect(new Set(sids).size).toBe(sids.length);
  });
});

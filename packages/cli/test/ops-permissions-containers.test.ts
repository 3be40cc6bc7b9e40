import { describe, expect, it } from "vitest";
import { boundaryFor, policyFor } from "../src/commands/permissions-actions.js";
import { loadInline } from "./templates/context.js";

/**
 * `pocket permissions` for stages of two `[container.<name>]`, offline. (What the deploy policy
 * allows for either container: test/aws/several-containers-permissions; the proof of
 * `--image-from` against a promotion's recorded calls: test/aws/promotion-permissions.)
 */
const twoContainers = (stages: string, extra = "") => `
[general]
region = "ap-northeast-1"
project_name = "pair"
stages = [${stages}]

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
${extra}`;

/**
 * Both roles' templates use the same logical ids, so the same statement names come twice, and
 * IAM wants each Sid once in a policy.
 */
describe("pocket permissions --boundary for a stage of two containers", () => {
  it("gives every statement its own Sid", () => {
    const ctx = loadInline(twoContainers('"dev"')).context;
    const sids = boundaryFor(ctx).Statement.map((s) => (s as { Sid: string }).Sid);
    expect(sids.length).toBeGreaterThan(2);
    expect(new Set(sids).size).toBe(sids.length);
  });
});

/**
 * `--image-from`: the reads of each container's stack and repository in the source stage, none
 * of a repository the target shares.
 */
const PROMOTING = twoContainers(
  '"dev", "prd", "qa"',
  `
[prd.container.a.iam]
permissions_boundary = "arn:aws:iam::123456789012:policy/prd-pair-pocket-boundary"
[qa.container.b]
ecr_name = "shared-b"
[prd.container.b]
ecr_name = "shared-b"
`,
);
const ctx = (stage: string) => loadInline(PROMOTING, stage).context;
const statement = (stage: string, sources: string[], sid: string) =>
  policyFor(ctx(stage), sources.map(ctx)).statements.find((s) => s.Sid === sid);

describe("pocket permissions --image-from with several containers", () => {
  it("reads each container's stack and repository of the source stage", () => {
    expect(statement("prd", ["dev"], "ImageFromStacks")?.Resource).toEqual([
      "arn:${AWS::Partition}:cloudformation:ap-northeast-1:${AWS::AccountId}:stack/dev-pair-container-a/*",
      "arn:${AWS::Partition}:cloudformation:ap-northeast-1:${AWS::AccountId}:stack/dev-pair-container-b/*",
    ]);
    expect(statement("prd", ["dev"], "ImageFromRepositories")?.Resource).toEqual([
      "arn:${AWS::Partition}:ecr:ap-northeast-1:${AWS::AccountId}:repository/dev-pair-pocket-a-lambda",
      "arn:${AWS::Partition}:ecr:ap-northeast-1:${AWS::AccountId}:repository/dev-pair-pocket-b-lambda",
    ]);
    expect(statement("prd", [], "ImageFromStacks")).toBeUndefined();
  });

  it("reads no repository the target shares (nothing is copied from it)", () => {
    expect(statement("prd", ["qa"], "ImageFromRepositories")?.Resource).toEqual([
      "arn:${AWS::Partition}:ecr:ap-northeast-1:${AWS::AccountId}:repository/qa-pair-pocket-a-lambda",
    ]);
  });
});

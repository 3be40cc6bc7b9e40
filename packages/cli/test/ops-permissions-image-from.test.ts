import { describe, expect, it } from "vitest";
import { policyFor } from "../src/commands/permissions-actions.js";
import { loadInline } from "./templates/context.js";

/**
 * `pocket permissions --image-from` for stages of two `[container.<name>]`: the reads of each
 * container's stack and repository in the source stage, none of a repository the target shares,
 * and a source without one of the target's containers refused as the deploy refuses it. (The
 * proof against a promotion's recorded calls is test/aws/promotion-permissions.)
 */
const TOML = `
[general]
region = "ap-northeast-1"
project_name = "pair"
stages = ["dev", "prd", "qa"]

[container.a]
dockerfile_path = "Dockerfile"
[container.a.iam]
permissions_boundary = "arn:aws:iam::123456789012:policy/pair-boundary"
[container.a.handlers.web]
command = "app.web"

[container.b]
dockerfile_path = "Dockerfile"
[container.b.handlers.web]
command = "app.web"

[qa.container.b]
ecr_name = "shared-b"
[prd.container.b]
ecr_name = "shared-b"
`;
const ctx = (stage: string) => loadInline(TOML, stage).context;
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

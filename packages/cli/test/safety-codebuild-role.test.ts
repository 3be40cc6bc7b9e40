import { describe, expect, it } from "vitest";
import { codebuildPolicy, codebuildTrustPolicy } from "../src/resources/container/codebuild/policies.js";
import { foreignRoleParts } from "../src/resources/container/codebuild/role.js";

const names = { region: "ap-northeast-1", account: "123456789012", project: "dev-x-pocket-codebuild" };
const trust = codebuildTrustPolicy(names);
const ours = {
  trust,
  inlinePolicies: ["codebuild-policy"],
  managedPolicies: [],
  boundary: undefined,
  wantedTrust: trust,
  wantedBoundary: undefined,
};

describe("issue 11 item 14: the CodeBuild role", () => {
  it("trusts CodeBuild only on behalf of the stage's project in the stage's account", () => {
    expect(codebuildTrustPolicy({ ...names, partition: "aws-cn", region: "cn-north-1" })).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "codebuild.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": "123456789012" },
            ArnLike: {
              "aws:SourceArn": "arn:aws-cn:codebuild:cn-north-1:123456789012:project/dev-x-pocket-codebuild",
            },
          },
        },
      ],
    });
  });

  it("writes logs to the project's own log group only, not to groups that merely share its prefix", () => {
    const logs = codebuildPolicy({ ...names, bucket: "b", repository: "r" }).Statement.find((s) =>
      s.Action.includes("logs:PutLogEvents"),
    );
    expect(logs?.Resource).toEqual([
      "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/codebuild/dev-x-pocket-codebuild",
      "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/codebuild/dev-x-pocket-codebuild:log-stream:*",
    ]);
  });

  it("reuses a role that carries only what pocket puts there, including an older pocket's trust policy", () => {
    expect(foreignRoleParts(ours)).toEqual([]);
    const legacy = {
      Version: "2012-10-17",
      Statement: [
        { Action: "sts:AssumeRole", Principal: { Service: "codebuild.amazonaws.com" }, Effect: "Allow" },
      ],
    };
    expect(foreignRoleParts({ ...ours, trust: legacy })).toEqual([]);
    const boundary = "arn:aws:iam::123456789012:policy/pb";
    expect(foreignRoleParts({ ...ours, boundary, wantedBoundary: boundary })).toEqual([]);
  });

  it("names everything on an existing role that pocket did not put there", () => {
    expect(
      foreignRoleParts({
        ...ours,
        trust: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::999999999999:root" },
              Action: "sts:AssumeRole",
            },
          ],
        },
        inlinePolicies: ["codebuild-policy", "extra"],
        managedPolicies: ["arn:aws:iam::aws:policy/AdministratorAccess"],
        boundary: "arn:aws:iam::123456789012:policy/other",
      }),
    ).toEqual([
      "a trust policy that is not pocket's (it lets other principals assume the role)",
      "inline policies extra",
      "attached managed policies arn:aws:iam::aws:policy/AdministratorAccess",
      "the permissions boundary arn:aws:iam::123456789012:policy/other (the configuration sets none)",
    ]);
    expect(foreignRoleParts({ ...ours, wantedBoundary: "arn:aws:iam::123456789012:policy/pb" })).toEqual([
      "no permissions boundary (the configuration asks for arn:aws:iam::123456789012:policy/pb)",
    ]);
  });
});

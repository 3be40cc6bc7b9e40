import { describe, expect, it } from "vitest";
import type { Template } from "../../src/templates/template.js";
import { cfnLint, lintErrors } from "./cfn-lint.js";

// The linter itself must be able to fail, or every "cfn-lint clean" assertion is hollow.
describe("cfn-lint harness", () => {
  it("passes a valid template and reports an invalid one", () => {
    const good: Template = {
      AWSTemplateFormatVersion: "2010-09-09",
      Description: "ok",
      Resources: { Queue: { Type: "AWS::SQS::Queue", Properties: { VisibilityTimeout: 60 } } },
    };
    const bad: Template = {
      AWSTemplateFormatVersion: "2010-09-09",
      Description: "bad",
      Resources: { Queue: { Type: "AWS::SQS::Queue", Properties: { VisibilityTimeoutt: 60 } } },
    };
    const result = cfnLint({ good, bad });
    expect(lintErrors(result.get("good")!)).toEqual([]);
    expect(lintErrors(result.get("bad")!).join("\n")).toMatch(/E3002|VisibilityTimeoutt/);
  });
});

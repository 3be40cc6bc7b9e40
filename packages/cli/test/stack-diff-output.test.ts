import { describe, expect, it } from "vitest";
import { formatDiff, jsonDiff } from "../src/stacks/diff.js";

describe("yaml-diff output (issue 20, items 4 and 5)", () => {
  it("prints a key read from the deployed template as text, never as terminal commands", () => {
    const text = formatDiff(jsonDiff({ Resources: { "Bad\u001b[2J": 1 } }, { Resources: {} }));
    expect(text).toBe("- Resources.Bad\\x1b[2J: 1");
  });
  it("prints a NoEcho parameter's change without a value", () => {
    const text = formatDiff([
      { path: "(values) Parameters.OriginVerifySecret", kind: "changed", secret: "changed" },
      { path: "(values) Parameters.Other", kind: "changed", secret: "not fingerprinted" },
      { path: "(values) Parameters.New", kind: "added", secret: "changed" },
    ]);
    expect(text).toBe(
      [
        "~ (values) Parameters.OriginVerifySecret: (secret, changed)",
        "~ (values) Parameters.Other: (secret, not fingerprinted)",
        "+ (values) Parameters.New: (secret)",
      ].join("\n"),
    );
  });
});

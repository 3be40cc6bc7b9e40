import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { toYaml } from "../src/util/yaml.js";

// src/util/yaml.ts writes YAML for JSON-shaped values: whatever it writes must read back as the
// same value in YAML 1.1 (CloudFormation, cfn-lint) and in YAML 1.2.
const readBack = (text: string, version: "1.1" | "1.2") => parse(text, { version });

const TRICKY = [
  "",
  " ",
  "yes",
  "No",
  "OFF",
  "y",
  "null",
  "~",
  "true",
  "1",
  "0x1f",
  "1_000",
  "1:30",
  "2012-10-17",
  ".inf",
  "-.5",
  "+1",
  "<<",
  "=",
  "- a",
  "a: b",
  "a #b",
  "a:",
  "#x",
  "&a",
  "*a",
  "!a",
  "|",
  ">",
  "'q'",
  '"q"',
  "%x",
  "@x",
  "`x`",
  "{a}",
  "[a]",
  "a ",
  "\ta",
  "line\nline",
  "line\n",
  "line\n\n",
  "\nline",
  " line\nline",
  "a\r\nb",
  "tab\tin\nlines",
  "\u2028",
  "a\n\u2028b",
  "a\n\u0085b\n",
  "say \"hi\" and 'bye'",
  '{"a": "b"}',
  "\u0085",
  "\u007f",
  "\ufeff",
  "é\nü",
  "arn:aws:s3:::bucket/*",
  "${AWS::Region}",
  "Fn::Sub",
];

describe("toYaml", () => {
  it("writes strings YAML could read as something else so that they stay strings", () => {
    for (const s of TRICKY) {
      for (const value of [s, [s], { [s]: s }, { k: [{ [s]: [s] }] }]) {
        const text = toYaml(value);
        expect(readBack(text, "1.1"), text).toEqual(value);
        expect(readBack(text, "1.2"), text).toEqual(value);
      }
    }
  });

  it("reads back every JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: "binary" }), (value) => {
        const json = JSON.parse(JSON.stringify(value));
        const text = toYaml(json);
        expect(readBack(text, "1.1")).toEqual(json);
        expect(readBack(text, "1.2")).toEqual(json);
      }),
      { numRuns: 1000, seed: 20_261_201 },
    );
  });

  it("lays out templates as people write them", () => {
    expect(
      toYaml({
        Resources: {
          Role: { Type: "AWS::IAM::Role", Properties: { Statement: [{ Effect: "Allow", Action: ["a:b"] }] } },
        },
        Code: "line 1\nline 2\n",
        Empty: [],
        None: {},
        Skipped: undefined,
      }),
    ).toBe(
      [
        "Resources:",
        "  Role:",
        "    Type: AWS::IAM::Role",
        "    Properties:",
        "      Statement:",
        "        - Effect: Allow",
        "          Action:",
        "            - a:b",
        "Code: |",
        "  line 1",
        "  line 2",
        "Empty: []",
        "None: {}",
        "",
      ].join("\n"),
    );
  });
});

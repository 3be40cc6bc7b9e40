import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseToml, parseTomlWithLocations } from "../src/toml/parse.js";
import { load } from "./helpers.js";

const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8");

// parseToml reads values with smol-toml and positions with toml-eslint-parser only on demand
// (docs/decisions.md#p19-toml-parsing): both must describe the same document.
describe("the fast parser and the position-keeping parser agree", () => {
  const documents: [string, string][] = [
    ["bench/fixtures/large.toml", read("../../../bench/fixtures/large.toml")],
    ["fixtures/reference/default.toml", read("./fixtures/reference/default.toml")],
    ["examples/django/pocket.toml", read("../../../examples/django/pocket.toml")],
    [
      "every kind of value",
      [
        "a = 1979-05-27T07:32:00Z",
        "b = 1979-05-27T07:32:00.5",
        "c = 1979-05-27",
        "d = 07:32:00",
        "e = [1, 2.5, inf, true, 'x', \"\\u00e9\", { f = [[1], []] }]",
        "g.h.'i j' = 0x1f",
        "[[k]]",
        "l = 1",
        "[[k]]",
        "m = { n = 1979-05-27 }",
      ].join("\n"),
    ],
  ];
  for (const [name, source] of documents) {
    it(name, () => {
      const fast = parseToml(source);
      const full = parseTomlWithLocations(source);
      if (!fast.ok || !full.ok) throw new Error("both parse");
      expect(fast.parsed.value).toEqual(full.parsed.value);
      expect(fast.parsed.locations).toEqual(full.parsed.locations);
    });
  }

  it("reads TOML 1.1 and points into it", () => {
    const source =
      '[general]\nregion = "ap-northeast-1"\nstages = ["dev"]\n[s3]\nx = { a = 1,\n  b = "\\e" }\n';
    const fast = parseToml(source);
    expect(fast.ok && fast.parsed.value.s3).toEqual({ x: { a: 1, b: "\u001b" } });
    const r = load(source);
    expect(!r.ok && r.diagnostics.map((d) => [d.code, d.path, d.position?.line])).toEqual([
      ["unknown-key", "s3.x", 5],
    ]);
  });

  it("reports syntax errors with the position-keeping parser's message and position", () => {
    const source = "[general]\nregion = \n";
    const r = parseToml(source, "pocket.toml");
    expect(r).toEqual(parseTomlWithLocations(source, "pocket.toml"));
    expect(!r.ok && r.diagnostic).toMatchObject({
      code: "toml-syntax",
      file: "pocket.toml",
      position: { line: 3 },
    });
  });
});

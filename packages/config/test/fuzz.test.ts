import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Diagnostic,
  formatDiagnostics,
  loadConfig,
  MAX_CONFIG_BYTES,
  validateAllStages,
} from "../src/index.js";

/**
 * Bad input is a diagnostic, never a crash: mutated copies of every example we have (the
 * guide's blocks when it is beside the checkout, the test fixtures, the bench's large file)
 * must load or fail with diagnostics, and never throw.
 */
const ROOT = join(import.meta.dirname, "../../..");
const SEED = join(ROOT, "../shared/seed/configuration.ja.md");
const CORPUS = [
  readFileSync(join(ROOT, "bench/fixtures/large.toml"), "utf8"),
  readFileSync(join(import.meta.dirname, "fixtures/reference/default.toml"), "utf8"),
  ...(existsSync(SEED)
    ? [...readFileSync(SEED, "utf8").matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]!)
    : []),
];

/** Fragments that stress the parser and the key handling. */
const NASTY = [
  "[",
  "]",
  "{",
  "}",
  '"',
  "'''",
  '"""',
  "=",
  "\n",
  ".",
  ",",
  "#",
  "\\u0000",
  "__proto__",
  "constructor",
  "[__proto__]",
  "__proto__ = 1",
  "[[x]]",
  "x = [[[[[[[[1]]]]]]]]",
  `x = ${"[".repeat(3000)}`,
  `x = ${"{a=".repeat(3000)}1${"}".repeat(3000)}`,
  `x = "${"a".repeat(200_000)}"`,
  "1979-05-27T07:32:00Z",
  "inf",
  "nan",
  "0x7fffffffffffffffff",
  "[awscontainer.handlers.__proto__]",
  "[dev.__proto__]",
  "stages = []",
];

type Mutation =
  | { kind: "delete"; at: number; length: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "duplicate"; at: number; length: number }
  | { kind: "swap-lines"; a: number; b: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 12 })),
  }),
  fc.record({
    kind: fc.constant("duplicate" as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 200 }),
  }),
  fc.record({ kind: fc.constant("swap-lines" as const), a: fc.nat(), b: fc.nat() }),
);

function apply(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : ("at" in m ? m.at : 0) % (text.length + 1);
  switch (m.kind) {
    case "delete":
      return text.slice(0, at) + text.slice(at + m.length);
    case "insert":
      return text.slice(0, at) + m.text + text.slice(at);
    case "duplicate":
      return text.slice(0, at) + text.slice(at, at + m.length) + text.slice(at);
    case "swap-lines": {
      const lines = text.split("\n");
      const a = m.a % lines.length;
      const b = m.b % lines.length;
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return lines.join("\n");
    }
  }
}

const mutated = fc
  .tuple(fc.constantFrom(...CORPUS), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([base, ms]) => ms.reduce(apply, base));

function wellFormed(diagnostics: readonly Diagnostic[]) {
  for (const d of diagnostics) {
    expect(typeof d.code).toBe("string");
    expect(d.code.length).toBeGreaterThan(0);
    expect(typeof d.message).toBe("string");
    expect(d.message).not.toMatch(/\n\s+at /);
  }
}

describe("fuzzed pocket.toml", () => {
  it("loads or fails with diagnostics, never throws (loadConfig, validateAllStages)", () => {
    fc.assert(
      fc.property(mutated, fc.constantFrom("dev", "prd"), (source, stage) => {
        const configPath = "/virtual/fuzz/pocket.toml";
        const r = loadConfig({ configPath, source, env: {}, stage });
        const diagnostics = r.ok ? r.config.warnings : r.diagnostics;
        wellFormed(diagnostics);
        if (!r.ok) expect(diagnostics.some((d) => d.severity === "error")).toBe(true);
        formatDiagnostics(diagnostics, { sources: new Map([[configPath, source]]) });
        wellFormed(validateAllStages({ configPath, source, env: {} }).diagnostics);
      }),
      { numRuns: 400, seed: 20_261_201 },
    );
  });

  it("turns parser exhaustion into toml-syntax, and refuses files over 1 MiB", () => {
    const general = '[general]\nregion = "ap-northeast-1"\nstages = ["dev"]\n';
    for (const body of [
      `x = ${"[".repeat(2000)}${"]".repeat(2000)}`,
      `x = ${"{a=".repeat(3000)}1${"}".repeat(3000)}`,
      `[general.django_fallback.settings]\nx = ${"[".repeat(100)}${"]".repeat(100)}`,
    ]) {
      const r = loadConfig({
        configPath: "/virtual/p/pocket.toml",
        source: general + body,
        env: {},
        stage: "dev",
      });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.diagnostics.map((d) => d.code)).toEqual(["toml-syntax"]);
    }
    // A value long enough to exhaust the position-keeping parser is still valid TOML: it is read
    // (src/toml/parse.ts), and the only problem is the key that [general] does not have.
    const long = loadConfig({
      configPath: "/virtual/p/pocket.toml",
      source: `${general}x = "${"a".repeat(1_000_000)}"`,
      env: {},
      stage: "dev",
    });
    expect(!long.ok && long.diagnostics.map((d) => [d.code, d.path])).toEqual([["unknown-key", "general.x"]]);
    const big = `${general}# ${"x".repeat(MAX_CONFIG_BYTES)}\n`;
    const r = loadConfig({ configPath: "/virtual/p/pocket.toml", source: big, env: {}, stage: "dev" });
    expect(!r.ok && r.diagnostics[0]!.code).toBe("config-too-large");
    const dir = mkdtempSync(join(tmpdir(), "pocket-big-"));
    writeFileSync(join(dir, "pocket.toml"), big);
    const fromDisk = loadConfig({ cwd: dir, env: {}, stage: "dev" });
    expect(!fromDisk.ok && fromDisk.diagnostics[0]!.message).toContain("up to 1 MiB");
  });
});

/** Through the real binary (built by the test run): an exit code of 70 means "internal error". */
describe("fuzzed pocket.toml through the CLI", () => {
  const bin = join(ROOT, "packages/cli/bin/pocket.cjs");
  it("exits 0 or 1 with diagnostics, never 70 or a stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "pocket-fuzz-"));
    const file = join(dir, "pocket.toml");
    const cases = fc.sample(mutated, { numRuns: 6, seed: 42 });
    cases.push(`x = ${"[".repeat(2000)}${"]".repeat(2000)}\n`, `x = "${"a".repeat(1_000_000)}"\n`);
    for (const source of cases) {
      writeFileSync(file, source);
      for (const args of [
        ["config", "validate"],
        ["config", "show", "--stage", "dev", "--json"],
      ]) {
        const r = spawnSync(process.execPath, [bin, "--config", file, ...args], {
          encoding: "utf8",
          env: { ...process.env, NO_COLOR: "1", POCKET_STAGE: "" },
        });
        expect([0, 1, 2], `${args.join(" ")}: ${r.stderr}`).toContain(r.status);
        expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
        expect(r.stderr).not.toContain("internal error");
      }
    }
  });
});

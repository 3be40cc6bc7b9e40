import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { load } from "./helpers.js";

// pocket validates one document per process, so zod must not compile schemas into functions
// (src/schema/jitless.ts). zod decides when a schema is built, so a schema module that builds
// before the setting would compile on its first parse; this run makes any compilation fail.
describe("validation compiles no code", () => {
  it("loads the largest example with the Function constructor disabled", () => {
    const source = readFileSync(new URL("../../../bench/fixtures/large.toml", import.meta.url), "utf8");
    const original = globalThis.Function;
    let compiled = 0;
    globalThis.Function = new Proxy(original, {
      construct() {
        compiled++;
        throw new Error("compiled");
      },
      apply() {
        compiled++;
        throw new Error("compiled");
      },
    });
    try {
      const result = load(source, "dev", { NEON_API_KEY: "k", TIDB_PUBLIC_KEY: "p", TIDB_PRIVATE_KEY: "q" });
      expect(result.ok ? [] : result.diagnostics).toEqual([]);
    } finally {
      globalThis.Function = original;
    }
    expect(compiled).toBe(0);
  });
});

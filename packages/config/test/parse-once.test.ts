import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { listStages, loadConfig } from "../src/index.js";
import * as parse from "../src/toml/parse.js";

// Counts the parses load.ts makes (a module mock reaches its own imports).
vi.mock("../src/toml/parse.js", async (original) => {
  const real = await original<typeof import("../src/toml/parse.js")>();
  return { ...real, parseToml: vi.fn(real.parseToml) };
});

const dir = mkdtempSync(join(tmpdir(), "pocket-parse-once-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, "pocket.toml");
const toml = (region: string) =>
  `[general]\nregion = "${region}"\nproject_name = "myapp"\nstages = ["dev", "prd"]\n\n[s3]\n`;

describe("one parse of pocket.toml per command", () => {
  beforeEach(() => {
    vi.mocked(parse.parseToml).mockClear();
  });

  it("reads the stages and loads a stage from one parse of the file", () => {
    writeFileSync(file, toml("ap-northeast-1"));
    expect(listStages({ configPath: file })).toEqual(["dev", "prd"]);
    const loaded = loadConfig({ configPath: file, stage: "dev" });
    expect(loaded.ok && loaded.config.settings.general.region).toBe("ap-northeast-1");
    expect(parse.parseToml).toHaveBeenCalledTimes(1);
  });

  it("parses a file again once its text changed", () => {
    writeFileSync(file, toml("us-east-1"));
    listStages({ configPath: file });
    writeFileSync(file, toml("eu-west-1"));
    const loaded = loadConfig({ configPath: file, stage: "prd" });
    expect(loaded.ok && loaded.config.settings.general.region).toBe("eu-west-1");
    expect(parse.parseToml).toHaveBeenCalledTimes(2);
  });
});

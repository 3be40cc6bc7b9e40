import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { commandWord } from "../src/commands/argv.js";
import { COMMANDS } from "../src/main.js";

// A command line that names a command registers only that entry of COMMANDS (src/main.ts), so
// each entry's names must be exactly the commands it registers.
describe("the top-level command table", () => {
  it("names exactly the commands each entry registers", async () => {
    const all: string[] = [];
    for (const { names, register } of COMMANDS) {
      const program = new Command("pocket");
      await register(program, () => ({}), [names[0]!]);
      const registered = program.commands.map((c) => c.name());
      expect(registered).toEqual([...names]);
      all.push(...registered);
    }
    expect(new Set(all).size).toBe(all.length);
  });

  it("finds the command word after global options", () => {
    expect(commandWord(["deploy", "--stage", "dev"])).toBe("deploy");
    expect(commandWord(["--config", "x/pocket.toml", "config", "show"])).toBe("config");
    expect(commandWord(["-c", "pocket.toml", "resource", "vpc", "yaml"])).toBe("resource");
    expect(commandWord(["--config=x.toml", "status"])).toBe("status");
    expect(commandWord(["--help"])).toBeUndefined();
    expect(commandWord(["-v"])).toBeUndefined();
  });
});

import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";
import { commandWord } from "./argv.js";

/**
 * `pocket resource <group> <command>`. The groups and their commands are generated from the
 * resource kinds (`src/resources/index.ts`), which is only loaded when the command line names
 * `resource`: every other command starts without the resources' code.
 */
export async function registerResource(
  program: Command,
  global: () => GlobalOptions,
  argv: string[],
): Promise<void> {
  const resource = program
    .command("resource")
    .description("act on one resource of a stage: print its template, status, deploy, destroy, ...")
    .addHelpText("after", "\nRun `pocket resource <group> --help` for a group's commands.");
  const at = argv.indexOf("resource");
  if (at < 0) return;
  const { registerResourceGroups } = await import("./resource-groups.js");
  // The group the line names, if any: only its commands are built (help lists them all).
  registerResourceGroups(resource, global, commandWord(argv.slice(at + 1)));
}

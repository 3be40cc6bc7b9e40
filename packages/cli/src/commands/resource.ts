import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";
import { RESOURCE_COMMANDS } from "./resource/index.js";

/** `pocket resource <name> <action>`: one resource at a time, for review and repair. */
export function registerResource(program: Command, global: () => GlobalOptions): void {
  const resource = program
    .command("resource")
    .description("inspect or operate on one resource at a time (templates, status, deploy, destroy)");
  for (const register of RESOURCE_COMMANDS) register(resource, global);
}

import type { Command } from "commander";
import type { GlobalOptions } from "../../config-loader.js";

export type RegisterResource = (resource: Command, global: () => GlobalOptions) => void;

/**
 * One entry per resource; each module registers its own sub-commands
 * (`pocket resource vpc yaml`, ...) and lazily imports its actions.
 */
export const RESOURCE_COMMANDS: RegisterResource[] = [];

import type { Command } from "commander";
import type { GlobalOptions } from "../../config-loader.js";
import { registerOperations } from "./operations.js";
import {
  registerCloudFrontTemplates,
  registerContainerTemplates,
  registerVpcTemplates,
} from "./templates.js";

export type RegisterResource = (resource: Command, global: () => GlobalOptions) => void;

/**
 * Each entry registers sub-commands under `pocket resource`; a resource's group is created by
 * the first entry that names it, so template, status and deploy commands can live in separate
 * modules. Actions are imported lazily.
 */
export const RESOURCE_COMMANDS: RegisterResource[] = [
  registerVpcTemplates,
  registerContainerTemplates,
  registerCloudFrontTemplates,
  registerOperations,
];

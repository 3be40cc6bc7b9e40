import type { LoadedConfig } from "@magic-pocket/config";
import { awsClients } from "../aws/clients.js";
import type { RunContext } from "../resources/resource.js";

export interface RunOptions {
  yes?: boolean;
  image?: string;
  rebuild?: boolean;
  skipFrontend?: boolean;
  skipBuild?: boolean;
  profile?: string;
}

/** The state shared by one command run: config, clients per region, outputs, confirmation. */
export function runContext(config: LoadedConfig, options: RunOptions): RunContext {
  return {
    config,
    ctx: config.context,
    settings: config.settings,
    credentials: config.credentials,
    outputs: new Map(),
    image: options.image,
    rebuild: options.rebuild === true,
    skipFrontend: options.skipFrontend === true,
    skipBuild: options.skipBuild === true,
    assumeYes: options.yes === true,
    aws: (region) => awsClients(region, { profile: options.profile }),
    confirm: async (question) => {
      if (options.yes) return true;
      if (!process.stdin.isTTY || !process.stderr.isTTY) return false;
      const { confirm, isCancel } = await import("@clack/prompts");
      const answer = await confirm({ message: question, initialValue: false });
      return !isCancel(answer) && answer === true;
    },
  };
}

import type { LoadedConfig } from "@magic-pocket/config";
import { awsClients } from "../aws/clients.js";
import type { Resource, RunContext } from "../resources/resource.js";
import { resolveParameters } from "./parameters.js";
import { builderEnvironment, runTiming, vendorEndpoints } from "./timing.js";

export interface RunOptions {
  yes?: boolean;
  image?: string;
  rebuild?: boolean;
  skipFrontend?: boolean;
  skipBuild?: boolean;
  profile?: string;
}

/** The state shared by one command run: config, resources, clients per region, outputs, confirmation. */
export function runContext(
  config: LoadedConfig,
  options: RunOptions,
  resources: readonly Resource[] = [],
): RunContext {
  const run: RunContext = {
    config,
    ctx: config.context,
    settings: config.settings,
    credentials: config.credentials,
    resources,
    outputs: new Map(),
    image: options.image,
    rebuild: options.rebuild === true,
    skipFrontend: options.skipFrontend === true,
    skipBuild: options.skipBuild === true,
    assumeYes: options.yes === true,
    timing: runTiming(),
    vendorEndpoints: vendorEndpoints(),
    builders: builderEnvironment(),
    aws: (region) => awsClients(region, { profile: options.profile }),
    confirm: async (question) => {
      if (options.yes) return true;
      if (!process.stdin.isTTY || !process.stderr.isTTY) return false;
      const { confirm, isCancel } = await import("@clack/prompts");
      const answer = await confirm({ message: question, initialValue: false });
      return !isCancel(answer) && answer === true;
    },
    parameters: (sources, given) => resolveParameters(run, sources, given),
  };
  return run;
}

import { dirname } from "node:path";
import type { LoadedConfig } from "@magic-pocket/config";
import { type GlobalOptions, loadStage } from "../config-loader.js";
import { CliError } from "../errors.js";
import { RESOURCE_KINDS, stageResources } from "../resources/index.js";
import type { OperationContext, Resource, ResourceKind, RunContext } from "../resources/resource.js";
import { deployResources } from "./deploy.js";
import { destroyResources } from "./destroy.js";
import { type RunOptions, runContext } from "./run-context.js";

export interface PreparedStage {
  config: LoadedConfig;
  resources: Resource[];
  run: RunContext;
}

/** Loads the stage, builds its resources and the run context every command of the engine uses. */
export async function prepareStage(
  global: GlobalOptions,
  opts: { stage?: string } & RunOptions,
): Promise<PreparedStage> {
  const config = await loadStage(global, opts.stage);
  const resources = stageResources(config.context, { projectDir: dirname(config.file) });
  return { config, resources, run: runContext(config, opts, resources) };
}

/** The kinds behind `pocket resource <group>`. */
export function kindsOf(group: string): ResourceKind[] {
  return RESOURCE_KINDS.filter((k) => k.group === group);
}

/**
 * The resources of a `pocket resource <group>` command in this stage (narrowed by `--name`),
 * or the error that says why there are none.
 */
export function selectGroup(
  prepared: PreparedStage,
  kinds: readonly ResourceKind[],
  name: string | undefined,
): Resource[] {
  const { config, resources } = prepared;
  const group = kinds[0]!.group;
  const created = new Set(kinds.flatMap((k) => k.create(config.context)).map((r) => r.id));
  const mine = resources.filter((r) => created.has(r.id));
  if (name !== undefined) {
    const names = [...new Set(mine.map((r) => r.name).filter((n): n is string => n !== undefined))];
    if (!names.includes(name)) {
      throw new CliError("unknown-distribution", `no ${group} "${name}" in stage ${config.settings.stage}.`, {
        hint: names.length ? `Choose one of: ${names.join(", ")}.` : undefined,
      });
    }
    return mine.filter((r) => r.name === name);
  }
  if (mine.length > 0) return mine;
  const why = kinds.map((k) => k.absent?.(config.context)).find((a) => a !== undefined);
  if (why) throw new CliError(why.code, why.message, { hint: why.hint });
  throw new CliError(
    "section-missing",
    `${config.file} has no ${kinds[0]!.section} for stage ${config.settings.stage}, so there is nothing to act on.`,
    { hint: `Add it to ${config.file} (see \`pocket config show --stage ${config.settings.stage}\`).` },
  );
}

/** What an operation of a resource kind gets: its resources, the run, and the engine's deploy/destroy. */
export function operationContext(
  prepared: PreparedStage,
  resources: readonly Resource[],
  options: { command: string; forceUnlock?: boolean },
): OperationContext {
  const { config, run } = prepared;
  return {
    config,
    resources,
    run,
    deploy: async (targets) => {
      await deployResources(run, targets, { command: options.command, forceUnlock: options.forceUnlock });
    },
    destroy: (targets, flags) =>
      destroyResources(
        run,
        targets,
        { withData: false, withSecrets: false, withStateBucket: false, ...flags },
        {
          command: options.command,
          heading: "This deletes:",
          question: "Delete? This cannot be undone.",
          forceUnlock: options.forceUnlock,
        },
      ),
  };
}

import { listStages, type PocketContext } from "@magic-pocket/config";
import { type GlobalOptions, loadStage } from "../../config-loader.js";
import { invocationDir } from "../../cwd.js";
import { CliError, EXIT } from "../../errors.js";

/**
 * `pocket permissions --stage prd --image-from dev[,stg]` (repeatable): the stages whose image
 * the CI role may promote (docs/decisions.md#e15-promotion-by-digest), each another stage listed
 * in `general.stages` of the same pocket.toml, loaded for their names. The target must run a
 * container for a promotion to mean anything.
 */
export async function imageSources(
  global: GlobalOptions,
  target: PocketContext,
  names: readonly string[] | undefined,
): Promise<PocketContext[]> {
  const wanted = [...new Set((names ?? []).flatMap((n) => n.split(",")).map((n) => n.trim()))];
  if (wanted.length === 0) return [];
  const listed = listStages({ configPath: global.config, cwd: invocationDir() });
  for (const name of wanted) {
    if (name === target.stage) {
      throw new CliError("usage", `--image-from names stage ${name} itself.`, { exitCode: EXIT.usage });
    }
    if (!listed.includes(name)) {
      throw new CliError(
        "image-from-unknown-stage",
        `--image-from ${name || '""'} is not a stage of pocket.toml (stages: ${listed.join(", ")}).`,
        { hint: "Promote from a stage listed in general.stages.", exitCode: EXIT.usage },
      );
    }
  }
  if (!target.container) {
    throw new CliError(
      "image-without-container",
      `--image-from was given, but stage ${target.stage} has no [awscontainer] to run an image.`,
      { exitCode: EXIT.usage },
    );
  }
  return Promise.all(wanted.map(async (name) => (await loadStage(global, name)).context));
}

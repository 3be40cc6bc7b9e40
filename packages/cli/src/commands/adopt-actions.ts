import type { GlobalOptions } from "../config-loader.js";
import { withAwsErrors } from "../engine/aws-errors.js";
import type { RunOptions } from "../engine/run-context.js";
import { prepareStage } from "../engine/stage.js";
import { describeTakeover, planTakeover, refusal, takeoverRefusals } from "../takeover/index.js";
import { writeOut } from "../util/stdio.js";

/**
 * `pocket adopt --stage X`: what deployed the stage, and what taking it over changes and keeps.
 * Changes nothing (the first `pocket deploy` takes it over); refuses, exit 1, where the takeover
 * would replace or delete something the original deployed.
 */
export async function adoptCommand(global: GlobalOptions, opts: { stage?: string } & RunOptions) {
  const { config, run } = await prepareStage(global, opts);
  const plan = await withAwsErrors(run.ctx.region, () => planTakeover(run));
  const stage = config.settings.stage;
  if (plan.stacks.length === 0 && !plan.unbuilt) {
    writeOut(
      plan.shape
        ? `stage ${stage} was taken over from the original (${plan.shape.version}) already; pocket keeps its shape.\n`
        : `stage ${stage}: no stack of it was deployed by the original; nothing to take over.\n`,
    );
    return;
  }
  for (const line of describeTakeover(plan)) writeOut(`${line}\n`);
  const refusals = takeoverRefusals(plan);
  if (refusals.length > 0) throw refusal(run, refusals);
  writeOut(`\n\`pocket deploy --stage ${stage}\` takes it over: nothing is replaced or deleted.\n`);
}

import type { GlobalOptions } from "../config-loader.js";
import { seconds } from "../engine/deploy.js";
import { imagesText } from "../engine/history-images.js";
import type { DeployRecord } from "../engine/history-store.js";
import { readHistory } from "../engine/history-store.js";
import { applyRollback, planRollback, ROLLBACK_KEEPS_DATA } from "../engine/rollback.js";
import type { RunOptions } from "../engine/run-context.js";
import { prepareStage } from "../engine/stage.js";
import { CliError, EXIT } from "../errors.js";
import { writeJson } from "../output.js";
import { printable } from "../util/printable.js";
import { writeErr, writeOut } from "../util/stdio.js";

export async function historyCommand(
  global: GlobalOptions,
  opts: { stage?: string; json?: boolean } & RunOptions,
): Promise<void> {
  const { config, run } = await prepareStage(global, opts);
  const records = (await readHistory(run)).reverse();
  if (opts.json) {
    writeJson({ stage: config.settings.stage, deploys: records });
    return;
  }
  if (records.length === 0) {
    writeErr(`Stage ${config.settings.stage} has no recorded deploy yet.\n`);
    return;
  }
  for (const r of records) writeOut(`${historyLine(r)}\n`);
}

function historyLine(r: DeployRecord): string {
  const what = r.command === "rollback" ? `rollback to #${r.rollbackOf}` : "deploy";
  const image = imagesText(r, 19) ?? "no image";
  const fronts = Object.entries(r.frontends ?? {}).map(([name, id]) => `  front end ${name} ${id}`);
  return printable(
    `#${r.number}  ${r.time.replace(/\.\d+Z$/, "Z")}  ${what}  ${image}  ${r.stacks.length} stack(s)${fronts.join("")}  ${r.outcome}  by ${r.caller}  (pocket ${r.cliVersion}, config ${r.configHash.slice(0, 8)})`,
  );
}

export interface RollbackOptions extends RunOptions {
  stage?: string;
  to?: string;
  forceUnlock?: boolean;
}

export async function rollbackCommand(global: GlobalOptions, opts: RollbackOptions): Promise<void> {
  const to = deployNumber(opts.to);
  const { config, resources, run } = await prepareStage(global, opts);
  const stage = config.settings.stage;
  const plan = await planRollback(run, resources, to);
  writeErr(`Rollback of stage ${stage} to deploy #${plan.record.number} (${plan.record.time}`);
  const images = imagesText(plan.record);
  writeErr(images ? `, image${plan.record.images ? "s" : ""} ${images}):\n` : "):\n");
  let total = 0;
  for (const { resource, changes } of plan.changes) {
    writeErr(`  ${resource.title}:${changes.length === 0 ? " no changes" : ""}\n`);
    for (const c of changes)
      writeErr(`    ${c.action} ${printable(c.target)}${c.detail ? ` (${printable(c.detail)})` : ""}\n`);
    total += changes.length;
  }
  for (const left of plan.leftAlone) writeErr(`  left alone: ${left}\n`);
  writeErr(`${ROLLBACK_KEEPS_DATA}\n`);
  if (total === 0) {
    writeErr(`\nStage ${stage} already runs deploy #${plan.record.number}: nothing to do.\n`);
    return;
  }
  const t0 = Date.now();
  const outcome = await applyRollback(run, plan, { forceUnlock: opts.forceUnlock });
  writeErr(
    `\nRolled stage ${stage} back to deploy #${plan.record.number} in ${seconds(Date.now() - t0)}${outcome.recorded ? ` (recorded as #${outcome.recorded})` : ""}.\n`,
  );
  writeErr("The next `pocket deploy` deploys the current sources and configuration again.\n");
}

function deployNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (/^[1-9]\d*$/.test(text)) return Number(text);
  throw new CliError("usage", `--to takes a deploy number from \`pocket history\`, got "${text}".`, {
    exitCode: EXIT.usage,
  });
}

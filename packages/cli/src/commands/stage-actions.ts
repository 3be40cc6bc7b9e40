import type { LoadedConfig } from "@magic-pocket/config";
import { callerIdentity } from "../aws/clients.js";
import type { GlobalOptions } from "../config-loader.js";
import { withAwsErrors } from "../engine/aws-errors.js";
import { deployResources, preLockReads, seconds } from "../engine/deploy.js";
import { announceDeployHash } from "../engine/deploy-hash.js";
import { destroyResources } from "../engine/destroy.js";
import { planOf, statusOf } from "../engine/inspect.js";
import { preflight, reportPreflight, strictMode, userSecretStates } from "../engine/preflight.js";
import type { RunOptions } from "../engine/run-context.js";
import { prepareStage } from "../engine/stage.js";
import { CliError } from "../errors.js";
import { writeJson } from "../output.js";
import { placeDistributions } from "../resources/cloudfront/placement.js";
import type { Change, ResourceStatus } from "../resources/resource.js";
import { describeUserSecret, setCommand } from "../resources/secrets/user-secrets.js";
import { describeTakeover, planTakeover, takeOverBeforeDeploy, takeoverRefusals } from "../takeover/index.js";
import { printable } from "../util/printable.js";
import { writeErr, writeOut } from "../util/stdio.js";

export interface DeployOptions extends RunOptions {
  stage?: string;
  forceUnlock?: boolean;
  /** Refuse when a pre-flight check finds what the functions cannot start without. */
  strict?: boolean;
  /** Deploy the image another stage runs (`--image-from dev`). */
  imageFrom?: string;
  /** Image-only changes go straight to the functions (engine/hotswap.ts). */
  hotswap?: boolean;
}

export async function deployCommand(global: GlobalOptions, opts: DeployOptions): Promise<void> {
  const { config, resources, run } = await prepareStage(global, opts);
  // Every S3 call names its bucket's owner: the account is asked while the stage is read.
  callerIdentity(run.aws(run.ctx.region)).catch(() => undefined);
  const stage = config.settings.stage;
  imageNeedsContainer(config, opts.image);
  if (opts.imageFrom !== undefined)
    await (await import("./image-from.js")).useImageFrom(global, run, { ...opts, imageFrom: opts.imageFrom });
  // The deploy's reads before its lock go out with the takeover check's, not after them.
  const early = opts.hotswap ? undefined : preLockReads(run, resources);
  await withAwsErrors(run.ctx.region, () => takeOverBeforeDeploy(run, (line) => writeErr(`${line}\n`)));
  reportPreflight(await preflight(run), strictMode(opts.strict));
  await announceDeployHash(run, (line) => writeErr(`${line}\n`));
  const t0 = Date.now();
  if (opts.hotswap) {
    const { hotswapDeploy } = await import("../engine/hotswap.js");
    const hot = await hotswapDeploy(run, resources, {
      forceUnlock: opts.forceUnlock,
      heading: `Hotswapping stage ${stage} of ${config.context.project} (${config.context.region})`,
    });
    if (hot.kind === "hotswapped") {
      const verb = hot.report.changed
        ? `Hotswapped stage ${stage}`
        : `No changes: stage ${stage} runs this image`;
      writeErr(`\n${verb} in ${seconds(Date.now() - t0)}.\n`);
      return;
    }
    writeErr(`\n--hotswap: ${printable(hot.reason)}, so the whole stage deploys.\n\n`);
  }
  const outcome = await deployResources(run, resources, {
    command: "deploy",
    forceUnlock: opts.forceUnlock,
    heading: `Deploying stage ${stage} of ${config.context.project} (${config.context.region})`,
    history: { command: "deploy" },
    early,
  });
  writeErr(
    `\n${outcome.changed ? `Deployed stage ${stage}` : `No changes: stage ${stage} is up to date`} in ${seconds(Date.now() - t0)}${outcome.recorded ? ` (deploy #${outcome.recorded} in \`pocket history\`)` : ""}.\n`,
  );
  for (const url of outcome.urls) writeOut(`${url}\n`);
}

const STATE_LABEL: Record<ResourceStatus["state"], string> = {
  missing: "missing",
  "in-sync": "in sync",
  "needs-update": "needs update",
  "in-progress": "in progress",
  failed: "FAILED",
  unknown: "unknown",
};

export async function statusCommand(
  global: GlobalOptions,
  opts: { stage?: string; json?: boolean } & RunOptions,
) {
  const { config, resources, run } = await prepareStage(global, opts);
  // A stage taken over from the original is in sync in the original's shape.
  await withAwsErrors(run.ctx.region, () => planTakeover(run));
  const [statuses, userSecrets] = await Promise.all([statusOf(run, resources), userSecretStates(run)]);
  const secretRows = userSecrets.map(({ secret, presence }) => ({
    title: `user secret ${secret.env} (${describeUserSecret(secret)})`,
    state: presence.state,
    detail:
      presence.state === "unknown"
        ? presence.reason
        : presence.state === "present"
          ? undefined
          : `create it: ${setCommand(secret.env, config.settings.stage)}`,
  }));
  // Scripts read the exit status whether or not they asked for JSON.
  if (statuses.some((s) => s.status.state === "failed" || s.status.state === "unknown")) process.exitCode = 1;
  if (opts.json) {
    writeJson({
      stage: config.settings.stage,
      resources: statuses.map(({ resource, status }) => ({
        id: resource.id,
        title: resource.title,
        ...status,
      })),
      userSecrets: userSecrets.map(({ secret, presence }) => ({
        name: secret.env,
        secret: secret.name,
        store: secret.store,
        ...presence,
      })),
    });
    return;
  }
  const width = Math.max(
    ...statuses.map((s) => s.resource.title.length),
    ...secretRows.map((r) => r.title.length),
  );
  for (const { resource, status } of statuses) {
    writeOut(
      // The detail quotes AWS (a stack's status reason): printable text only.
      `${resource.title.padEnd(width)}  ${STATE_LABEL[status.state]}${status.detail ? ` (${printable(status.detail)})` : ""}\n`,
    );
  }
  for (const r of secretRows) {
    const label = r.state === "missing" ? "MISSING" : r.state.replace(/-/g, " ");
    writeOut(`${printable(r.title.padEnd(width))}  ${label}${r.detail ? ` (${printable(r.detail)})` : ""}\n`);
  }
}

export async function planCommand(
  global: GlobalOptions,
  opts: { stage?: string; json?: boolean } & RunOptions,
) {
  const { config, resources, run } = await prepareStage(global, opts);
  imageNeedsContainer(config, opts.image);
  const takeover = await withAwsErrors(run.ctx.region, () => planTakeover(run));
  for (const line of [
    ...describeTakeover(takeover),
    ...takeoverRefusals(takeover).map((r) => `refused: ${r}`),
  ]) {
    writeErr(`${line}\n`);
  }
  // The warnings deploy would print, from the same checks; plan never refuses.
  reportPreflight(await preflight(run), undefined);
  const plans = await planOf(run, resources);
  if (opts.json) {
    writeJson(plans.map((p) => ({ id: p.resource.id, title: p.resource.title, changes: p.changes })));
    return;
  }
  let total = 0;
  for (const { resource, changes } of plans) {
    if (changes.length === 0) {
      writeOut(`  ${resource.title}: no changes\n`);
      continue;
    }
    writeOut(`  ${resource.title}:\n`);
    for (const c of changes)
      writeOut(`    ${symbol(c)} ${printable(c.target)}${c.detail ? ` (${printable(c.detail)})` : ""}\n`);
    total += changes.length;
  }
  writeOut(total === 0 ? "\nNo changes.\n" : `\n${total} change(s). Run \`pocket deploy\` to apply.\n`);
}

/** `--image` on a stage without `[awscontainer]` would be ignored: say so instead. */
function imageNeedsContainer(config: LoadedConfig, image: string | undefined): void {
  if (image === undefined || config.context.container) return;
  throw new CliError(
    "image-without-container",
    `--image was given, but stage ${config.settings.stage} has no [awscontainer] to run it; nothing was changed.`,
    { hint: `Leave out --image, or add [awscontainer] to ${config.file}.` },
  );
}

function symbol(c: Change): string {
  return { create: "+", update: "~", replace: "-/+", delete: "-" }[c.action];
}

export interface DestroyCommandOptions extends RunOptions {
  stage?: string;
  withSecrets?: boolean;
  withStateBucket?: boolean;
  withData?: boolean;
  forceUnlock?: boolean;
}

export async function destroyCommand(global: GlobalOptions, opts: DestroyCommandOptions): Promise<void> {
  const { config, resources, run } = await prepareStage(global, opts);
  // A distribution the original's current version deployed is deleted where it is (A1).
  await withAwsErrors(run.ctx.region, () => placeDistributions(run));
  const stage = config.settings.stage;
  const t0 = Date.now();
  // A preview stage is disposable: --with-data removes all it made (docs/decisions.md#e19-preview-stages).
  const all = opts.withData === true && config.context.preview !== undefined;
  if (all)
    writeErr(`${stage} is a preview stage: --with-data also deletes its managed secrets and state bucket.\n`);
  await destroyResources(
    run,
    resources,
    {
      withSecrets: opts.withSecrets === true || all,
      withStateBucket: opts.withStateBucket === true || all,
      withData: opts.withData === true,
    },
    {
      command: "destroy",
      forceUnlock: opts.forceUnlock,
      heading: `Destroying stage ${stage} of ${config.context.project}. This deletes:`,
      question: `Delete these resources of stage ${stage}? This cannot be undone.`,
    },
  );
  writeErr(`\nDestroyed stage ${stage} in ${seconds(Date.now() - t0)}.\n`);
}

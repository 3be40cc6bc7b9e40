import { explainAwsError } from "../aws/errors.js";
import { type GlobalOptions, loadStage } from "../config-loader.js";
import { acquireDeployLock } from "../deploy/lock.js";
import { inDependencyOrder } from "../deploy/order.js";
import { ProgressView, seconds } from "../deploy/progress.js";
import { type RunOptions, runContext } from "../deploy/run-context.js";
import { CliError } from "../errors.js";
import { writeJson } from "../output.js";
import { stageResources } from "../resources/index.js";
import type { Change, DeployReport, Resource, ResourceStatus, RunContext } from "../resources/resource.js";

export interface DeployOptions extends RunOptions {
  stage?: string;
  forceUnlock?: boolean;
}

/** Errors from AWS become one actionable paragraph; anything else passes through. */
async function withAwsErrors<T>(region: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw explainAwsError(error, region) ?? error;
  }
}

async function prepare(global: GlobalOptions, opts: { stage?: string } & RunOptions) {
  const config = await loadStage(global, opts.stage);
  const resources = stageResources(config.context);
  return { config, resources, run: runContext(config, opts) };
}

export async function deployCommand(global: GlobalOptions, opts: DeployOptions): Promise<void> {
  const { config, resources, run } = await prepare(global, opts);
  const stage = config.settings.stage;
  const t0 = Date.now();
  const view = new ProgressView();
  view.print(`Deploying stage ${stage} of ${config.context.project} (${config.context.region})`);
  const reports = new Map<string, DeployReport>();
  await withAwsErrors(config.context.region, async () => {
    const [state, ...rest] = resources;
    reports.set(state!.id, await deployOne(view, run, state!));
    const lock = await acquireDeployLock(run.aws(config.context.region), config.context.stateBucket, stage, {
      force: opts.forceUnlock === true,
    });
    try {
      await inDependencyOrder(rest, async (r) => reports.set(r.id, await deployOne(view, run, r)), {
        onSkip: (r, why) => view.for(r.id, r.title).done(why, "skip"),
      });
      await secondPass(view, run, resources, reports);
    } finally {
      await lock.release().catch(() => undefined);
      view.stop();
    }
  });
  const changed = [...reports.values()].some((r) => r.changed);
  const urls = [...reports.values()].flatMap((r) => r.urls ?? []);
  process.stderr.write(
    `\n${changed ? `Deployed stage ${stage}` : `No changes: stage ${stage} is up to date`} in ${seconds(Date.now() - t0)}.\n`,
  );
  for (const url of urls) process.stdout.write(`${url}\n`);
}

async function deployOne(view: ProgressView, run: RunContext, r: Resource): Promise<DeployReport> {
  const p = view.for(r.id, r.title);
  p.update("checking");
  try {
    const report = await r.deploy(run, p);
    if (report.outputs) run.outputs.set(r.id, report.outputs);
    p.done(report.summary, report.changed ? "ok" : "skip");
    return report;
  } catch (error) {
    p.done(error instanceof CliError ? error.message : String((error as Error).message ?? error), "fail");
    throw error;
  }
}

/**
 * A distribution without a custom domain only learns its cloudfront.net name once it exists, and
 * the container needs that name in its environment: update the container once more, with the
 * image already deployed (no rebuild). No-op when nothing changed.
 */
async function secondPass(
  view: ProgressView,
  run: RunContext,
  resources: Resource[],
  reports: Map<string, DeployReport>,
): Promise<void> {
  const c = run.ctx.container;
  const container = resources.find((r) => r.id === "container");
  if (!c || !container) return;
  const needsDomain = Object.values(c.distributionDomains).some((d) => !d.domain);
  const cfChanged = [...reports.entries()].some(([id, r]) => id.startsWith("cloudfront:") && r.changed);
  if (!needsDomain || !cfChanged) return;
  const image = run.outputs.get("container")?.imageUri;
  const report = await deployOne(
    view,
    { ...run, image },
    { ...container, title: `${container.title} (CloudFront domains)` },
  );
  if (report.changed) reports.set("container:domains", report);
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
  const { config, resources, run } = await prepare(global, opts);
  const statuses = await withAwsErrors(config.context.region, () =>
    Promise.all(
      resources.map(async (r) => {
        try {
          return { resource: r, status: await r.status(run) };
        } catch (error) {
          // One resource that cannot be asked (a missing API key, ...) must not hide the others.
          if (!(error instanceof CliError)) throw error;
          const status: ResourceStatus = { state: "unknown", detail: error.message };
          return { resource: r, status };
        }
      }),
    ),
  );
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
    });
    return;
  }
  const width = Math.max(...statuses.map((s) => s.resource.title.length));
  for (const { resource, status } of statuses) {
    process.stdout.write(
      `${resource.title.padEnd(width)}  ${STATE_LABEL[status.state]}${status.detail ? ` (${status.detail})` : ""}\n`,
    );
  }
}

export async function planCommand(
  global: GlobalOptions,
  opts: { stage?: string; json?: boolean } & RunOptions,
) {
  const { config, resources, run } = await prepare(global, opts);
  const plans = await withAwsErrors(config.context.region, () =>
    Promise.all(resources.map(async (r) => ({ resource: r, changes: await r.plan(run) }))),
  );
  if (opts.json) {
    writeJson(plans.map((p) => ({ id: p.resource.id, title: p.resource.title, changes: p.changes })));
    return;
  }
  let total = 0;
  for (const { resource, changes } of plans) {
    if (changes.length === 0) {
      process.stdout.write(`  ${resource.title}: no changes\n`);
      continue;
    }
    process.stdout.write(`  ${resource.title}:\n`);
    for (const c of changes)
      process.stdout.write(`    ${symbol(c)} ${c.target}${c.detail ? ` (${c.detail})` : ""}\n`);
    total += changes.length;
  }
  process.stdout.write(
    total === 0 ? "\nNo changes.\n" : `\n${total} change(s). Run \`pocket deploy\` to apply.\n`,
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
}

export async function destroyCommand(global: GlobalOptions, opts: DestroyCommandOptions): Promise<void> {
  const { config, resources, run } = await prepare(global, opts);
  const stage = config.settings.stage;
  const options = {
    withSecrets: opts.withSecrets === true,
    withStateBucket: opts.withStateBucket === true,
    withData: opts.withData === true,
  };
  const kept = (r: Resource) =>
    (r.dataStore === "secrets" && !options.withSecrets) ||
    (r.dataStore === "state" && !options.withStateBucket);
  process.stderr.write(`Destroying stage ${stage} of ${config.context.project}. This deletes:\n`);
  for (const r of [...resources].reverse()) {
    const note = kept(r)
      ? `kept: no ${r.dataStore === "secrets" ? "--with-secrets" : "--with-state-bucket"}`
      : (r.destroyNote?.(options) ??
        (r.dataStore === "data" && !options.withData ? "kept: no --with-data" : undefined));
    process.stderr.write(`  - ${r.title}${note ? ` (${note})` : ""}\n`);
  }
  if (!(await run.confirm(`Delete these resources of stage ${stage}? This cannot be undone.`))) {
    throw new CliError("destroy-not-confirmed", "nothing was deleted.", {
      hint: process.stdin.isTTY ? undefined : "Pass --yes to confirm when not running in a terminal.",
    });
  }
  const view = new ProgressView();
  const t0 = Date.now();
  await withAwsErrors(config.context.region, async () => {
    try {
      await inDependencyOrder(
        resources,
        async (r) => {
          const p = view.for(r.id, r.title);
          try {
            const report = await r.destroy(run, p, options);
            p.done(report.summary, report.changed ? "ok" : "skip");
          } catch (error) {
            p.done((error as Error).message, "fail");
            throw error;
          }
        },
        { reverse: true },
      );
    } finally {
      view.stop();
    }
  });
  process.stderr.write(`\nDestroyed stage ${stage} in ${seconds(Date.now() - t0)}.\n`);
}

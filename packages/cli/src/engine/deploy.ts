import { callerIdentity } from "../aws/clients.js";
import { CliError } from "../errors.js";
import type { DeployReport, Resource, RunContext } from "../resources/resource.js";
import { withAwsErrors } from "./aws-errors.js";
import { appendDeployRecord, type HistoryEntry } from "./history.js";
import { inDependencyOrder } from "./order.js";
import { ProgressView, seconds } from "./progress.js";
import { readAhead } from "./read-ahead.js";
import { withStageLock } from "./stage-lock.js";

export interface DeployOutcome {
  reports: Map<string, DeployReport>;
  changed: boolean;
  urls: string[];
  /** The deploy history record this run appended (a run that changed nothing appends none). */
  recorded?: number;
}

/**
 * Deploys `targets` in dependency order, independent ones at the same time, under the stage
 * lock. Resources that hold the lock (the state bucket) go first, outside it. Afterwards each
 * resource whose `refreshAfter` names a resource that changed is deployed once more.
 */
export async function deployResources(
  run: RunContext,
  targets: readonly Resource[],
  options: { command: string; forceUnlock?: boolean; heading?: string; history?: HistoryEntry },
): Promise<DeployOutcome> {
  const view = new ProgressView();
  if (options.heading) view.print(options.heading);
  const reports = new Map<string, DeployReport>();
  const running = new Set<Resource>();
  let recorded: number | undefined;
  const deployOne = async (r: Resource, title = r.title): Promise<DeployReport> => {
    const p = view.for(r.id, title);
    p.update("checking");
    running.add(r);
    try {
      const report = await r.deploy(run, p);
      if (report.outputs) run.outputs.set(r.id, report.outputs);
      p.done(report.summary, report.changed ? "ok" : "skip");
      return report;
    } catch (error) {
      p.done(error instanceof CliError ? error.message : String((error as Error).message ?? error), "fail");
      throw error;
    } finally {
      running.delete(r);
    }
  };
  try {
    await withAwsErrors(run.ctx.region, async () => {
      // Every S3 call names its bucket's owner: the account is asked while the inputs are checked.
      callerIdentity(run.aws(run.ctx.region)).catch(() => undefined);
      // A bad input must stop the run while nothing has changed, so its error can say so. The
      // lock's bucket is read meanwhile: deployed (created) only after the checks, and only
      // when it is not in sync, so an unchanged stage pays no round trip of its own for it.
      const first = targets.filter((r) => r.holdsLock);
      const [, firstStates] = await Promise.all([
        checkInputs(run, targets),
        Promise.all(first.map((r) => r.status(run).catch(() => undefined))),
      ]);
      for (const [i, r] of first.entries()) {
        if (firstStates[i]?.state !== "in-sync") continue;
        view.for(r.id, r.title).done("no changes", "skip");
        reports.set(r.id, { changed: false, summary: "no changes" });
      }
      await inDependencyOrder(
        first.filter((r) => !reports.has(r.id)),
        async (r) => reports.set(r.id, await deployOne(r)),
      );
      await withStageLock(
        run,
        view,
        { command: options.command, force: options.forceUnlock === true, running: () => running },
        async (lock) => {
          // Under the lock, so nothing else changes the stage: every resource's reads at once.
          const closeReadAhead = readAhead(
            run,
            targets.filter((r) => !r.holdsLock),
          );
          try {
            // ensureHeld: a safe point; a run that lost its lock starts no further change.
            await inDependencyOrder(
              targets.filter((r) => !r.holdsLock),
              async (r) => {
                await lock.ensureHeld();
                reports.set(r.id, await deployOne(r));
              },
              { onSkip: (r, why) => view.for(r.id, r.title).done(why, "skip") },
            );
          } finally {
            await closeReadAhead();
          }
          for (const r of targets) {
            const after = (r.refreshAfter ?? []).filter((id) => reports.get(id)?.changed);
            if (after.length === 0 || !reports.has(r.id)) continue;
            await lock.ensureHeld();
            const report = await deployOne(r, `${r.title} (again: ${after.join(", ")} changed)`);
            if (report.changed) reports.set(`${r.id}#again`, report);
          }
          // Still under the lock: records are numbered in the order the stage changed.
          if (options.history && [...reports.values()].some((r) => r.changed))
            recorded = await appendDeployRecord(run, targets, reports, options.history);
        },
      );
    });
  } finally {
    view.stop();
  }
  const all = [...reports.values()];
  const urls = [...new Set(all.flatMap((r) => r.urls ?? []))];
  return { reports, changed: all.some((r) => r.changed), urls, recorded };
}

export { seconds };

/** Every target's read-only `check`, at the same time; the first failure is the run's error. */
export async function checkInputs(run: RunContext, targets: readonly Resource[]): Promise<void> {
  await Promise.all(targets.map((r) => r.check?.(run)));
}

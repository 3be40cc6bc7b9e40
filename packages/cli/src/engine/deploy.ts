import { callerIdentity } from "../aws/clients.js";
import { CliError } from "../errors.js";
import type { DeployReport, Resource, ResourceStatus, RunContext } from "../resources/resource.js";
import { withAwsErrors } from "./aws-errors.js";
import { appendDeployRecord, type HistoryEntry } from "./history.js";
import { inDependencyOrder } from "./order.js";
import { ProgressView, seconds } from "./progress.js";
import { readAhead } from "./read-ahead.js";
import { type StageLockGuard, withStageLock } from "./stage-lock.js";

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
  options: {
    command: string;
    forceUnlock?: boolean;
    heading?: string;
    history?: HistoryEntry;
    /** The reads before the lock, when the caller started them early (`preLockReads`). */
    early?: PreLockReads;
  },
): Promise<DeployOutcome> {
  const view = new ProgressView();
  if (options.heading) view.print(options.heading);
  const d = new DeployRun(run, view);
  let recorded: number | undefined;
  try {
    await withAwsErrors(run.ctx.region, async () => {
      // Every S3 call names its bucket's owner: the account is asked while the inputs are checked.
      callerIdentity(run.aws(run.ctx.region)).catch(() => undefined);
      await d.checkAndDeployLockHolders(targets, options.early ?? preLockReads(run, targets));
      await withStageLock(
        run,
        view,
        { command: options.command, force: options.forceUnlock === true, running: () => d.running },
        async (lock) => {
          await d.deployUnderLock(targets, lock);
          await d.refreshAfterChanges(targets, lock);
          // Still under the lock: records are numbered in the order the stage changed.
          if (options.history && [...d.reports.values()].some((r) => r.changed))
            recorded = await appendDeployRecord(run, targets, d.reports, options.history);
        },
      );
    });
  } finally {
    view.stop();
  }
  const all = [...d.reports.values()];
  const urls = [...new Set(all.flatMap((r) => r.urls ?? []))];
  return { reports: d.reports, changed: all.some((r) => r.changed), urls, recorded };
}

/** One deploy's progress: each resource's report, and the resources deploying right now. */
class DeployRun {
  readonly reports = new Map<string, DeployReport>();
  readonly running = new Set<Resource>();

  constructor(
    private readonly run: RunContext,
    private readonly view: ProgressView,
  ) {}

  async deployOne(r: Resource, title = r.title): Promise<DeployReport> {
    const p = this.view.for(r.id, title);
    p.update("checking");
    this.running.add(r);
    try {
      const report = await r.deploy(this.run, p);
      if (report.outputs) this.run.outputs.set(r.id, report.outputs);
      p.done(report.summary, report.changed ? "ok" : "skip");
      return report;
    } catch (error) {
      p.done(error instanceof CliError ? error.message : String((error as Error).message ?? error), "fail");
      throw error;
    } finally {
      this.running.delete(r);
    }
  }

  /**
   * A bad input must stop the run while nothing has changed, so its error can say so. The lock's
   * bucket is read meanwhile: deployed (created) only after the checks, and only when it is not
   * in sync, so an unchanged stage pays no round trip of its own for it.
   */
  async checkAndDeployLockHolders(targets: readonly Resource[], early: PreLockReads): Promise<void> {
    const first = targets.filter((r) => r.holdsLock);
    const firstStates = await early.lockHolderStates;
    for (const [i, r] of first.entries()) {
      if (firstStates[i]?.state !== "in-sync") continue;
      this.view.for(r.id, r.title).done("no changes", "skip");
      this.reports.set(r.id, { changed: false, summary: "no changes" });
    }
    await inDependencyOrder(
      first.filter((r) => !this.reports.has(r.id)),
      async (r) => this.reports.set(r.id, await this.deployOne(r)),
    );
  }

  /** Under the lock, so nothing else changes the stage: every resource's reads at once. */
  async deployUnderLock(targets: readonly Resource[], lock: StageLockGuard): Promise<void> {
    const rest = targets.filter((r) => !r.holdsLock);
    const closeReadAhead = readAhead(this.run, rest);
    try {
      // ensureHeld: a safe point; a run that lost its lock starts no further change.
      await inDependencyOrder(
        rest,
        async (r) => {
          await lock.ensureHeld();
          this.reports.set(r.id, await this.deployOne(r));
        },
        { onSkip: (r, why) => this.view.for(r.id, r.title).done(why, "skip") },
      );
    } finally {
      await closeReadAhead();
    }
  }

  /** Each resource whose `refreshAfter` names a resource that changed is deployed once more. */
  async refreshAfterChanges(targets: readonly Resource[], lock: StageLockGuard): Promise<void> {
    for (const r of targets) {
      const after = (r.refreshAfter ?? []).filter((id) => this.reports.get(id)?.changed);
      if (after.length === 0 || !this.reports.has(r.id)) continue;
      await lock.ensureHeld();
      const report = await this.deployOne(r, `${r.title} (again: ${after.join(", ")} changed)`);
      if (report.changed) this.reports.set(`${r.id}#again`, report);
    }
  }
}

export { seconds };

/** The reads a deploy makes before taking the lock: the inputs' checks and the lock holders' states. */
export interface PreLockReads {
  /** The states of the targets that hold the lock (undefined where the read failed), in order. */
  lockHolderStates: Promise<(ResourceStatus | undefined)[]>;
}

/**
 * Starts the reads a deploy makes before its lock: every target's input checks and the states
 * of the resources that hold the lock. `pocket deploy` starts them before the takeover check, so
 * that their round trips overlap its own (README, "Speed"); none of them depends on what that
 * check learns (the state bucket and the container's image are where they are). A failed check
 * fails `lockHolderStates`, when it is awaited.
 */
export function preLockReads(run: RunContext, targets: readonly Resource[]): PreLockReads {
  const states = Promise.all(
    targets.filter((r) => r.holdsLock).map((r) => r.status(run).catch(() => undefined)),
  );
  const lockHolderStates = Promise.all([checkInputs(run, targets), states]).then(([, s]) => s);
  // Awaited later, or never when the run stops first (a refused takeover): not unhandled.
  lockHolderStates.catch(() => undefined);
  return { lockHolderStates };
}

/** Every target's read-only `check`, at the same time; the first failure is the run's error. */
export async function checkInputs(run: RunContext, targets: readonly Resource[]): Promise<void> {
  await Promise.all(targets.map((r) => r.check?.(run)));
}

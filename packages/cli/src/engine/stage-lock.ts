import { awsErrorName } from "../aws/errors.js";
import { CliError } from "../errors.js";
import type { Resource, RunContext } from "../resources/resource.js";
import { writeErr } from "../util/stdio.js";
import { acquireDeployLock, type DeployLock, lockLostError, type ReleaseResult } from "./lock-protocol.js";
import type { ProgressView } from "./progress.js";

/** Exit status after Ctrl-C, as shells report a SIGINT. */
export const INTERRUPTED_EXIT = 130;

/** How long a finished run keeps trying to delete its lock when S3 does not answer. */
const RELEASE_SECONDS = 30;
/** The same after Ctrl-C: the user is waiting; a second Ctrl-C stops waiting at once. */
const INTERRUPTED_RELEASE_SECONDS = 10;

/** What `work` gets: a safe point to call before each change, which throws if the lock was lost. */
export interface StageLockGuard {
  ensureHeld(): Promise<void>;
}

/**
 * Runs `work` holding the stage's lock. On Ctrl-C or SIGTERM the lock is released (within 10 s),
 * the user is told what was still running (a CloudFormation stack keeps going without us: its
 * name and how to watch it) and the process exits 130; a second signal exits at once, naming the
 * lock it may leave. `running` is read at that moment.
 */
export async function withStageLock<T>(
  run: RunContext,
  view: ProgressView,
  options: { command: string; force: boolean; running: () => Iterable<Resource> },
  work: (guard: StageLockGuard) => Promise<T>,
): Promise<T> {
  const lock = await takeLock(run, view, options);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      writeErr(`\nStopped waiting for the lock release (${signal}).${lock ? ` ${leftBehind(lock)}` : ""}\n`);
      process.exit(INTERRUPTED_EXIT);
    }
    interrupted = true;
    view.stop();
    const lines = [
      `\n${signal === "SIGINT" ? "Interrupted" : `Stopped (${signal})`}: pocket is no longer waiting.`,
    ];
    for (const r of options.running()) {
      if (r.stack) {
        lines.push(
          `  - ${r.title}: CloudFormation goes on with stack ${r.stack.name} (${r.stack.region}). Watch it with \`pocket status --stage ${run.ctx.stage}\` or \`aws cloudformation describe-stack-events --stack-name ${r.stack.name} --region ${r.stack.region}\`.`,
        );
      } else {
        lines.push(
          `  - ${r.title}: stopped while in progress; \`pocket deploy\` continues from where it is.`,
        );
      }
    }
    if (lock) lines.push(`Releasing the stage lock ${lock.url} (Ctrl-C again to stop waiting)...`);
    writeErr(`${lines.join("\n")}\n`);
    if (!lock) process.exit(INTERRUPTED_EXIT);
    void lock.release(INTERRUPTED_RELEASE_SECONDS).then((r) => {
      writeErr(r.state === "released" ? "Released the stage lock.\n" : `${releaseProblem(lock, r)}\n`);
      process.exit(INTERRUPTED_EXIT);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let failed = false;
  try {
    return await work({ ensureHeld: () => lock?.ensureHeld() ?? Promise.resolve() });
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    if (lock && !interrupted) {
      const lost = lock.lost();
      const r = await lock.release(RELEASE_SECONDS);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      // A lock lost while the work ran means another run may have changed the stage meanwhile:
      // that outcome is an error even when every step of ours succeeded.
      // (A lock deleted under us is only a warning: emptying the state bucket deletes it too.)
      const problem =
        r.state === "left"
          ? new CliError("lock-left", releaseProblem(lock, r), {
              hint: "Run the next command with --force-unlock to clear it sooner.",
            })
          : r.state === "taken"
            ? lockLostError(lock.url, `it is now held by ${r.by}`)
            : lost?.takenBy
              ? lockLostError(lock.url, lost.why)
              : undefined;
      if (!problem && lost) view.print(`warning: the stage lock ${lock.url} was lost: ${lost.why}`);
      if (problem && failed) view.print(`warning: ${problem.message}`);
      // biome-ignore lint/correctness/noUnsafeFinally: the run's outcome is this error
      else if (problem) throw problem;
    } else {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  }
}

function releaseProblem(lock: DeployLock, r: ReleaseResult): string {
  switch (r.state) {
    case "released":
      return "";
    case "gone":
      return `The stage lock ${lock.url} was already gone.`;
    case "taken":
      return `The stage lock ${lock.url} is now held by ${r.by}; left it alone.`;
    case "left":
      return `Could not release the stage lock: ${r.problem}. ${leftBehind(lock)}`;
  }
}

function leftBehind(lock: DeployLock): string {
  return `The stage lock ${lock.url} may be left; it is stale for every run ${lock.leaseSeconds} s after its last renewal (by S3's clock), or clear it with --force-unlock.`;
}

async function takeLock(
  run: RunContext,
  view: ProgressView,
  options: { command: string; force: boolean },
): Promise<DeployLock | undefined> {
  try {
    return await acquireDeployLock(run.aws(run.ctx.region), run.ctx, {
      force: options.force,
      command: options.command,
      notice: (m) => view.print(`notice: ${m}`),
    });
  } catch (error) {
    // No state bucket: nothing of the stage was ever deployed, so there is nothing to guard.
    if (awsErrorName(error) === "NoSuchBucket") return undefined;
    throw error;
  }
}

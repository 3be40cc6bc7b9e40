import { awsErrorName } from "../aws/errors.js";
import type { Resource, RunContext } from "../resources/resource.js";
import { writeErr } from "../util/stdio.js";
import { acquireDeployLock, type DeployLock } from "./lock.js";
import type { ProgressView } from "./progress.js";

/** Exit status after Ctrl-C, as shells report a SIGINT. */
export const INTERRUPTED_EXIT = 130;

/**
 * Runs `work` holding the stage's lock. On Ctrl-C or SIGTERM the lock is released, the user is
 * told what was still running (a CloudFormation stack keeps going without us: its name and how to
 * watch it) and the process exits 130. `running` is read at that moment.
 */
export async function withStageLock<T>(
  run: RunContext,
  view: ProgressView,
  options: { command: string; force: boolean; running: () => Iterable<Resource> },
  work: () => Promise<T>,
): Promise<T> {
  const lock = await takeLock(run, view, options);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
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
    writeErr(`${lines.join("\n")}\n`);
    const release = lock ? lock.release() : Promise.resolve({ released: false as const, problem: undefined });
    void release.then((r) => {
      writeErr(
        r.released
          ? "Released the stage lock.\n"
          : r.problem
            ? `Could not release the stage lock: ${r.problem}\n`
            : "",
      );
      process.exit(INTERRUPTED_EXIT);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await work();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (lock && !interrupted) {
      const r = await lock.release();
      if (!r.released && r.problem) view.print(`warning: the stage lock was not released: ${r.problem}`);
    }
  }
}

async function takeLock(
  run: RunContext,
  view: ProgressView,
  options: { command: string; force: boolean },
): Promise<DeployLock | undefined> {
  try {
    return await acquireDeployLock(run.aws(run.ctx.region), run.ctx.stateBucket, run.ctx.stage, {
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

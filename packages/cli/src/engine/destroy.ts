import { DESTROY_FLAGS, type DestroyOptions, type Resource, type RunContext } from "../resources/resource.js";
import { writeErr } from "../util/stdio.js";
import { withAwsErrors } from "./aws-errors.js";
import { confirmOrStop } from "./confirm.js";
import { inDependencyOrder } from "./order.js";
import { ProgressView } from "./progress.js";
import { withStageLock } from "./stage-lock.js";

/** True when destroy leaves the resource alone entirely (its flag was not given). */
function kept(r: Resource, flags: DestroyOptions): boolean {
  return r.keep !== undefined && !flags[r.keep.unless] && r.keep.whenEmpty !== "delete";
}

/** The listing's note for one resource: why it is kept, or what goes with it. */
export function destroyNote(r: Resource, flags: DestroyOptions): string | undefined {
  if (r.keep && !flags[r.keep.unless]) {
    const flag = DESTROY_FLAGS[r.keep.unless];
    if (r.keep.whenEmpty === "delete") return `only if empty; ${flag} deletes its contents`;
    return `kept: no ${flag}${r.keep.because ? `; ${r.keep.because}` : ""}`;
  }
  return r.goesWith;
}

/**
 * Lists what goes and what stays, asks, then deletes in reverse dependency order under the stage
 * lock. What is kept is decided here, from each resource's `keep`, and nowhere else.
 */
export async function destroyResources(
  run: RunContext,
  targets: readonly Resource[],
  flags: DestroyOptions,
  options: { command: string; heading: string; question: string; forceUnlock?: boolean },
): Promise<void> {
  writeErr(`${options.heading}\n`);
  for (const r of [...targets].reverse()) {
    const note = destroyNote(r, flags);
    writeErr(`  - ${r.title}${note ? ` (${note})` : ""}\n`);
  }
  await confirmOrStop(run, options.question);
  const view = new ProgressView();
  const running = new Set<Resource>();
  try {
    await withAwsErrors(run.ctx.region, () =>
      withStageLock(
        run,
        view,
        { command: options.command, force: options.forceUnlock === true, running: () => running },
        (lock) =>
          inDependencyOrder(
            targets,
            async (r) => {
              // A safe point: a run that lost its lock deletes nothing more.
              await lock.ensureHeld();
              const p = view.for(r.id, r.title);
              if (kept(r, flags)) {
                p.done(`kept (${r.keep!.because ?? `no ${DESTROY_FLAGS[r.keep!.unless]}`})`, "skip");
                return;
              }
              running.add(r);
              try {
                const onlyIfEmpty = r.keep?.whenEmpty === "delete" && !flags[r.keep.unless];
                const report = await r.destroy(run, p, { onlyIfEmpty });
                p.done(report.summary, report.changed ? "ok" : "skip");
              } catch (error) {
                p.done((error as Error).message, "fail");
                throw error;
              } finally {
                running.delete(r);
              }
            },
            { reverse: true },
          ),
      ),
    );
  } finally {
    view.stop();
  }
}

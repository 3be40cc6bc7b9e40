import { callerIdentity } from "../aws/clients.js";
import { CliError } from "../errors.js";
import { applyHotswap, checkHotswap } from "../resources/container/hotswap.js";
import type { DeployReport, Resource, RunContext } from "../resources/resource.js";
import { withAwsErrors } from "./aws-errors.js";
import { checkInputs } from "./deploy.js";
import { statusOf } from "./inspect.js";
import { ProgressView } from "./progress.js";
import { withStageLock } from "./stage-lock.js";

/** What `pocket deploy --hotswap` did: the functions' update, or why the whole stage deploys instead. */
export type HotswapOutcome = { kind: "hotswapped"; report: DeployReport } | { kind: "full"; reason: string };

/**
 * `pocket deploy --hotswap`: on a stage whose config allows it, when the image is the only
 * change, the functions get the new image directly (seconds) instead of through a stack update
 * (minutes). Under the stage lock, every other resource's status and the container stack are
 * read at once; anything but "in sync" means a full deploy, and the outcome says why.
 */
export async function hotswapDeploy(
  run: RunContext,
  resources: readonly Resource[],
  options: { forceUnlock?: boolean; heading?: string },
): Promise<HotswapOutcome> {
  const container = hotswapTarget(run, resources);
  const others = resources.filter((r) => r !== container);
  const view = new ProgressView();
  if (options.heading) view.print(options.heading);
  try {
    return await withAwsErrors(run.ctx.region, async () => {
      // Every S3 call names its bucket's owner: the account is asked while nothing waits for it.
      callerIdentity(run.aws(run.ctx.region)).catch(() => undefined);
      const running = new Set<Resource>();
      return withStageLock(
        run,
        view,
        { command: "deploy --hotswap", force: options.forceUnlock === true, running: () => running },
        async (lock): Promise<HotswapOutcome> => {
          // Read-only, all at once: the stage's state, the container stack, and --image in ECR.
          const [statuses, check] = await Promise.all([
            statusOf(run, others),
            checkHotswap(run.ctx, run),
            checkInputs(run, [container]),
          ]);
          const behind = statuses.find((s) => s.status.state !== "in-sync");
          if (behind) {
            const { state, detail } = behind.status;
            return {
              kind: "full",
              reason: `${behind.resource.title} is ${state}${detail ? ` (${detail})` : ""}`,
            };
          }
          if (check.kind === "full") return check;
          await lock.ensureHeld();
          const progress = view.for(container.id, `${container.title} (hotswap)`);
          running.add(container);
          try {
            const report = await applyHotswap(run.ctx, run, check, progress);
            progress.done(report.summary, report.changed ? "ok" : "skip");
            return { kind: "hotswapped", report };
          } catch (error) {
            progress.done(error instanceof CliError ? error.message : String(error), "fail");
            throw error;
          }
        },
      );
    });
  } finally {
    view.stop();
  }
}

/** The stage's container, when its config allows hotswaps; refused before any AWS call otherwise. */
function hotswapTarget(run: RunContext, resources: readonly Resource[]): Resource {
  const { ctx, config } = run;
  const container = resources.find((r) => r.id === "container");
  if (!ctx.container || !container) {
    throw new CliError(
      "hotswap-without-container",
      `--hotswap updates the functions' image, but stage ${ctx.stage} has no [awscontainer]; nothing was changed.`,
      { hint: "Leave out --hotswap." },
    );
  }
  const several = Object.keys(ctx.containers ?? {});
  if (several.length > 1) {
    throw new CliError(
      "unsupported-feature",
      `--hotswap updates one container's functions, but stage ${ctx.stage} has ${several.length} containers (${several.join(", ")}); nothing was changed.`,
      { hint: "Deploy without --hotswap." },
    );
  }
  if (!ctx.container.hotswap.allowed) {
    throw new CliError(
      "hotswap-not-allowed",
      `stage ${ctx.stage} does not allow --hotswap; nothing was changed.`,
      {
        hint: `A hotswap leaves the functions on an image the stack does not name until the next full deploy. To allow it for this stage, add \`hotswap = true\` to [${ctx.stage}.awscontainer] in ${config.file}; or deploy without --hotswap.`,
      },
    );
  }
  return container;
}

import type { PocketContext, ScheduleContext } from "@magic-pocket/config";
import { describeStack, stackOutputs } from "../../stacks/stack.js";
import type { Resource, ResourceStatus } from "../resource.js";
import { formatRun, nextRun } from "./next-run.js";

/**
 * One schedule of `[scheduler.schedules]`, for `pocket status`: whether the container stack holds
 * it, and when it runs next. The schedule is deployed and deleted with the container stack (it
 * is part of its template), so deploy and destroy change nothing here.
 */
export function scheduleResource(
  ctx: PocketContext,
  schedule: ScheduleContext,
  containerId: string,
): Resource {
  const c = ctx.container!;
  const title = `schedule ${schedule.key} (${schedule.expression}${schedule.timezone === "UTC" ? "" : ` ${schedule.timezone}`} → ${schedule.handler})`;
  return {
    id: `schedule:${schedule.key}`,
    title,
    group: "scheduler",
    name: schedule.key,
    dependsOn: [containerId],
    async status(run): Promise<ResourceStatus> {
      const stack = await describeStack(run.aws(c.region), c.stackName);
      if (!stack) return { state: "missing", detail: "deployed with the container stack" };
      const status = stack.StackStatus ?? "";
      if (status.endsWith("_IN_PROGRESS")) return { state: "in-progress", detail: status.toLowerCase() };
      if (!stackOutputs(stack)[`${schedule.logicalId}Arn`]) {
        return { state: "needs-update", detail: "the container stack does not hold it yet (pocket deploy)" };
      }
      // A rate schedule counts from when it was created: the stack's last update is the closest
      // time pocket knows (nextRunText says "about").
      const updated = stack.LastUpdatedTime ?? stack.CreationTime;
      return { state: "in-sync", detail: nextRunText(schedule, Date.now(), updated, true) };
    },
    async plan() {
      // The container stack's change set lists the schedule's own changes.
      return [];
    },
    async deploy() {
      return { changed: false, summary: "in the container stack" };
    },
    async destroy() {
      return { changed: false, summary: "goes with the container stack" };
    },
  };
}

/** `next run 2026-03-02 04:30 UTC`, `disabled`, or why there is none. */
export function nextRunText(
  schedule: ScheduleContext,
  now: number,
  created?: Date,
  approximate = false,
): string {
  if (schedule.state === "DISABLED") return "disabled";
  const next = nextRun(schedule.expression, schedule.timezone, now, created?.getTime());
  if (!next) return "no future run (its year field is in the past)";
  const approx = schedule.expression.startsWith("rate(") && (approximate || !created) ? "about " : "";
  return `next run ${approx}${formatRun(next, schedule.timezone)}`;
}

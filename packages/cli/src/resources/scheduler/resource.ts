import type { PocketContext, ScheduleContext } from "@magic-pocket/config";
import { awsErrorName } from "../../aws/errors.js";
import type { Resource, ResourceStatus, RunContext } from "../resource.js";
import { formatRun, nextRun } from "./next-run.js";

/**
 * One schedule of `[scheduler.schedules]`, for `pocket status`: whether the container stack holds
 * it, and when it runs next. The schedule is deployed and deleted with the container stack (it
 * is part of its template), so deploy and destroy change nothing here.
 */
export function scheduleResource(ctx: PocketContext, schedule: ScheduleContext): Resource {
  const c = ctx.container!;
  const title = `schedule ${schedule.key} (${schedule.expression}${schedule.timezone === "UTC" ? "" : ` ${schedule.timezone}`} → ${schedule.handler})`;
  const read = async (run: RunContext) => {
    const { DescribeStackResourceCommand } = await import("@aws-sdk/client-cloudformation");
    const cfn = await run.aws(c.region).cloudformation();
    try {
      const out = await cfn.send(
        new DescribeStackResourceCommand({ StackName: c.stackName, LogicalResourceId: schedule.logicalId }),
      );
      return out.StackResourceDetail;
    } catch (error) {
      // No stack, or a stack deployed before the schedule was added.
      if (awsErrorName(error) === "ValidationError") return undefined;
      throw error;
    }
  };
  return {
    id: `schedule:${schedule.key}`,
    title,
    group: "scheduler",
    name: schedule.key,
    dependsOn: ["container"],
    async status(run): Promise<ResourceStatus> {
      const detail = await read(run);
      if (!detail) return { state: "missing", detail: "deployed with the container stack" };
      const status = detail.ResourceStatus ?? "";
      if (status.endsWith("_FAILED"))
        return { state: "failed", detail: detail.ResourceStatusReason ?? status.toLowerCase() };
      if (status.endsWith("_IN_PROGRESS")) return { state: "in-progress", detail: status.toLowerCase() };
      return { state: "in-sync", detail: nextRunText(schedule, Date.now(), detail.LastUpdatedTimestamp) };
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
export function nextRunText(schedule: ScheduleContext, now: number, created?: Date): string {
  if (schedule.state === "DISABLED") return "disabled";
  const next = nextRun(schedule.expression, schedule.timezone, now, created?.getTime());
  if (!next) return "no future run (its year field is in the past)";
  const approx = schedule.expression.startsWith("rate(") && !created ? "about " : "";
  return `next run ${approx}${formatRun(next, schedule.timezone)}`;
}

import { resourceKind } from "../resource.js";
import { scheduleResource } from "./resource.js";

/** `[scheduler.schedules.<key>]`: EventBridge Scheduler schedules, deployed in the container stack. */
export default resourceKind({
  group: "scheduler",
  noun: "the schedules",
  description: "the [scheduler.schedules]: when each runs next (deployed with the container stack)",
  section: "[scheduler.schedules]",
  named: "schedule",
  create: (ctx) =>
    ctx.container && ctx.scheduler
      ? Object.values(ctx.scheduler.schedules).map((s) => scheduleResource(ctx, s))
      : [],
  operations: {
    list: {
      description: "list the schedules with their next runs (offline; rate schedules count from now)",
      allowEmpty: true,
      options: [
        ["--json", "print JSON for scripts"],
        ["--count <n>", "how many next runs to show per schedule (default 1)"],
      ],
      run: async () => (await import("./list.js")).listSchedules,
    },
  },
});

import { containerViews } from "../container-views.js";
import { resourceKind } from "../resource.js";
import { scheduleResource } from "./resource.js";

/** `[scheduler.schedules.<key>]`: EventBridge Scheduler schedules, deployed in the container stack. */
export default resourceKind({
  group: "scheduler",
  noun: "the schedules",
  description: "the [scheduler.schedules]: when each runs next (deployed with the container stack)",
  section: "[scheduler.schedules]",
  named: "schedule",
  // Each container's schedules are in its own stack (container-views.ts).
  create: (ctx) =>
    containerViews(ctx).flatMap(({ ctx: view, id }) =>
      Object.values(view.scheduler?.schedules ?? {}).map((s) => scheduleResource(view, s, id)),
    ),
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

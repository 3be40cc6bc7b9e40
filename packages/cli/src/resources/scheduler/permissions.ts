import type { PocketContext } from "@magic-pocket/config";
import { A, P, type PassedRoles, type StackTypeGroup, type StagePermissions } from "../permissions.js";

/**
 * The schedules and their group live in the container stack, so the container kind's
 * declaration (container/permissions.ts) lists these, in its order: each schedule's role is
 * passed after the functions' role.
 */
export const SCHEDULE_TYPES: StackTypeGroup = {
  group: "Scheduler",
  grantedApart: ["iam:PassRole"],
  types: {
    "AWS::Scheduler::ScheduleGroup": [
      "scheduler:CreateScheduleGroup",
      "scheduler:GetScheduleGroup",
      "scheduler:DeleteScheduleGroup",
      "scheduler:TagResource",
      "scheduler:UntagResource",
      "scheduler:ListTagsForResource",
    ],
    "AWS::Scheduler::Schedule": [
      "scheduler:CreateSchedule",
      "scheduler:GetSchedule",
      "scheduler:UpdateSchedule",
      "scheduler:DeleteSchedule",
      "iam:PassRole",
    ],
  },
};

/**
 * A container's schedule group (and its schedules) by name, and each schedule's role, passed only
 * to the scheduler; `suffix` names a later container's statement (container/permissions.ts).
 */
export function schedulePermissions(
  ctx: PocketContext,
  suffix = "",
): {
  scope: NonNullable<StagePermissions["stackScopes"]>[string];
  roles: PassedRoles[];
} {
  const s = ctx.scheduler;
  const schedules = Object.values(s?.schedules ?? {});
  const region = ctx.container?.region ?? ctx.region;
  return {
    scope: {
      resources:
        s && schedules.length > 0
          ? [
              `arn:${P}:scheduler:${region}:${A}:schedule-group/${s.groupName}`,
              `arn:${P}:scheduler:${region}:${A}:schedule/${s.groupName}/*`,
            ]
          : [],
    },
    roles: [
      {
        sid: `PassScheduleRoles${suffix}`,
        names: schedules.map((x) => x.roleName),
        service: "scheduler.amazonaws.com",
      },
    ],
  };
}

import type { PathSegment } from "../diagnostics.js";
import { MANAGEMENT_COMMAND_HANDLER } from "../schema/awscontainer.js";
import type { SectionSettings } from "../schema/settings.js";
import { closest } from "../suggest.js";
import { type Add, type Checked, type CheckedSettings, ok } from "./checked.js";

/** What a schedule sends depends on the handler it starts: an event, a command line or a message. */
export function handlerKind(h: { command: string; sqs?: unknown }): "sqs" | "manage" | "plain" {
  if (h.sqs) return "sqs";
  return h.command === MANAGEMENT_COMMAND_HANDLER ? "manage" : "plain";
}

const PAYLOAD_KEY = { sqs: "message", manage: "manage", plain: "input" } as const;

/** Each schedule starts a handler that exists, with the payload its kind takes. */
export function scheduleTargets(s: CheckedSettings, add: Add): void {
  if (ok(s.scheduler)) scheduleIssues(s.scheduler, s.awscontainer, add);
}

function scheduleIssues(
  scheduler: SectionSettings<"scheduler">,
  c: Checked<SectionSettings<"awscontainer">>,
  add: Add,
) {
  for (const [key, sch] of Object.entries(scheduler.schedules)) {
    const at: PathSegment[] = ["scheduler", "schedules", key];
    if (c === "failed") return;
    if (c === undefined) {
      add("schedule-container", `schedule "${key}" starts a handler, which needs [awscontainer]`, [
        ...at,
        "handler",
      ]);
      continue;
    }
    const h = c.handlers[sch.handler];
    if (!h) {
      const guess = closest(sch.handler, Object.keys(c.handlers));
      add(
        "schedule-unknown-handler",
        `schedule "${key}": handler "${sch.handler}" is not in [awscontainer.handlers]`,
        [...at, "handler"],
        guess ? `Did you mean "${guess}"?` : `Handlers: ${Object.keys(c.handlers).join(", ") || "(none)"}.`,
      );
      continue;
    }
    const kind = handlerKind(h);
    const wanted = PAYLOAD_KEY[kind];
    const what = {
      sqs: "has sqs, so a schedule sends it a queue message",
      manage: "runs management commands, so a schedule sends it a command line",
      plain: "is a plain handler, so a schedule invokes it with an event",
    }[kind];
    for (const other of ["input", "manage", "message"] as const) {
      if (other === wanted || sch[other] === undefined) continue;
      add(
        "schedule-payload",
        `schedule "${key}": handler "${sch.handler}" ${what}; use ${wanted}, not ${other}`,
        [...at, other],
        kind === "manage"
          ? 'e.g. manage = "clearsessions"'
          : kind === "sqs"
            ? 'e.g. message = "clearsessions" or message = { command = "clearsessions" }'
            : 'e.g. input = { job = "nightly" }',
      );
    }
    if (kind !== "plain" && sch[wanted] === undefined) {
      add(
        "schedule-payload-missing",
        `schedule "${key}": handler "${sch.handler}" ${what}; add ${wanted}`,
        at,
        kind === "manage" ? 'e.g. manage = "clearsessions"' : 'e.g. message = "clearsessions"',
      );
    }
  }
}

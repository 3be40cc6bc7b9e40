import { CliError } from "../../errors.js";
import { writeJson } from "../../output.js";
import { writeErr, writeOut } from "../../util/stdio.js";
import { containerViews } from "../container-views.js";
import type { OperationContext } from "../resource.js";
import { formatRun, nextRun } from "./next-run.js";

/** `pocket resource scheduler list`: every schedule of the stage and its next runs, offline. */
export async function listSchedules({ run }: OperationContext, opts: { json?: boolean; count?: string }) {
  const schedules = containerViews(run.ctx).flatMap(({ ctx }) =>
    Object.values(ctx.scheduler?.schedules ?? {}),
  );
  const count = Number(opts.count ?? 1);
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    throw new CliError("invalid-count", `--count ${opts.count} is not a whole number from 1 to 100.`, {
      exitCode: 2,
    });
  }
  const rows = schedules.map((s) => {
    const runs: Date[] = [];
    let t = Date.now();
    const since = t;
    while (s.state === "ENABLED" && runs.length < count) {
      const next = nextRun(s.expression, s.timezone, t, since);
      if (!next) break;
      runs.push(next);
      t = next.getTime();
    }
    return { s, runs };
  });
  if (opts.json) {
    writeJson(
      rows.map(({ s, runs }) => ({
        key: s.key,
        handler: s.handler,
        expression: s.expression,
        timezone: s.timezone,
        state: s.state,
        target: s.target.kind === "lambda" ? s.target.functionName : s.target.queueName,
        input: s.target.input,
        nextRuns: runs.map((r) => r.toISOString()),
      })),
    );
    return;
  }
  if (rows.length === 0) {
    writeErr(`stage ${run.ctx.stage} has no [scheduler.schedules]\n`);
    return;
  }
  for (const { s, runs } of rows) {
    const when =
      s.state === "DISABLED"
        ? "disabled"
        : runs.length === 0
          ? "no future run"
          : runs.map((r) => formatRun(r, s.timezone)).join(", ");
    writeOut(`${s.key}: ${s.expression} → ${s.handler}: ${when}\n`);
  }
}

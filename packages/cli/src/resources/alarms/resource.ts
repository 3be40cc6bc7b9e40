import type { PocketContext } from "@magic-pocket/config";
import { alarmsTemplate, apiIdParameter } from "../../templates/alarms.js";
import type { ParameterSource } from "../../templates/template.js";
import { containerIds, containerViews } from "../container-views.js";
import type { Resource, RunContext } from "../resource.js";
import { stackResource } from "../stack-resource.js";

/**
 * The alarms stack, after everything it watches. Its status also names the alarms in ALARM
 * (`pocket status`), so a stage whose stacks are in sync but whose API fails says so.
 */
export function alarmsResource(ctx: PocketContext): Resource {
  const a = ctx.alarms!;
  const stack = stackResource({
    id: "alarms",
    title: `alarms stack ${a.stackName}`,
    group: "alarms",
    dependsOn: [...containerIds(ctx), "rds"],
    region: a.region,
    stackName: a.stackName,
    template: () => alarmsTemplate(ctx, containerViews(ctx)),
    parameters: apiIds(ctx),
  });
  return {
    ...stack,
    async status(run) {
      const [status, firing] = await Promise.all([stack.status(run), inAlarm(ctx, run)]);
      if (firing.length === 0) return status;
      const alarms = `ALARM: ${firing.join(", ")}`;
      return { ...status, detail: status.detail ? `${status.detail}; ${alarms}` : alarms };
    },
  };
}

/**
 * The HTTP API id of each handler with apigateway, of every container: an output of its
 * container's stack, deployed first. "" while it has none (an emulator that makes no HTTP API):
 * the alarm then names no API.
 */
function apiIds(ctx: PocketContext): Record<string, ParameterSource> {
  return Object.fromEntries(
    containerViews(ctx).flatMap(({ ctx: view }, i) => {
      const c = view.container!;
      return Object.values(c.handlers)
        .filter((h) => h.apigateway)
        .map((h) => [
          apiIdParameter(h, view, i),
          {
            kind: "stack-output",
            region: c.region,
            stackName: c.stackName,
            output: `${h.logicalId}ApiId`,
            ifMissing: "empty",
          },
        ]);
    }),
  );
}

/** The names of the stage's alarms in ALARM (an absent stack has none). */
async function inAlarm(ctx: PocketContext, run: RunContext): Promise<string[]> {
  const a = ctx.alarms!;
  const { DescribeAlarmsCommand } = await import("@aws-sdk/client-cloudwatch");
  const cw = await run.aws(a.region).cloudwatch();
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const out = await cw.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: a.namePrefix, StateValue: "ALARM", NextToken }),
    );
    // Filtered again here: an emulator may answer with every state.
    for (const m of out.MetricAlarms ?? [])
      if (m.AlarmName && m.StateValue === "ALARM") names.push(m.AlarmName);
    NextToken = out.NextToken;
  } while (NextToken);
  return names;
}

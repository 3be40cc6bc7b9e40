import type { SectionSettings } from "../schema/settings.js";
import type { AlarmsContext, PocketContext } from "./types.js";

/** `[alarms]`: the stage's alarms stack, the prefix of every alarm's name, whom they notify. */
export function buildAlarms(a: SectionSettings<"alarms">, ctx: PocketContext): AlarmsContext {
  return {
    stackName: `${ctx.slug}-alarms`,
    region: ctx.region,
    namePrefix: `${ctx.slug}-alarm-`,
    topicName: `${ctx.slug}-alarms`,
    ...(a.email !== undefined ? { email: a.email } : {}),
    ...(a.snsTopicArn !== undefined ? { topicArn: a.snsTopicArn } : {}),
  };
}

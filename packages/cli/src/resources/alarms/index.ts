import { resourceKind } from "../resource.js";
import { alarmsPermissions } from "./permissions.js";
import { alarmsResource } from "./resource.js";

/** `[alarms]`: the stage's CloudWatch alarms and the topic they notify, in `{slug}-alarms`. */
export default resourceKind({
  group: "alarms",
  noun: "the alarms stack",
  description: "the [alarms] section: CloudWatch alarms and the topic they notify",
  section: "[alarms]",
  stacks: true,
  permissions: alarmsPermissions,
  create: (ctx) => (ctx.alarms ? [alarmsResource(ctx)] : []),
});

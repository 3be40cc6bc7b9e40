import { resourceKind } from "../resource.js";
import { backupPermissions } from "./permissions.js";
import { backupResource } from "./resource.js";

/** `[backup]`: AWS Backup plans for the stage's Aurora cluster, in `{slug}-backup`. */
export default resourceKind({
  group: "backup",
  noun: "the backup plans stack",
  description: "the [backup] section: AWS Backup plans for the stage's databases",
  section: "[backup]",
  stacks: true,
  permissions: backupPermissions,
  keeps: { withData: "required: deletes the backup plans (the recovery points stay in the vault)" },
  create: (ctx) => (ctx.backup ? [backupResource(ctx)] : []),
});

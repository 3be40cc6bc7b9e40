import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";
import { awsCommand } from "./options.js";

const actions = () => import("./backup-actions.js");

/** `pocket backup cleanup --stage S [--yes]`: the stage's recovery points (docs/decisions.md#b9-aws-backup-plans). */
export function registerBackup(program: Command, global: () => GlobalOptions): void {
  const backup = program.command("backup").description("the stage's AWS Backup data ([backup])");
  awsCommand(
    backup,
    "cleanup",
    "delete the recovery points of the stage's databases from the vault pocket-backup (needs [backup] deletable = true)",
  )
    .option("-y, --yes", "delete without asking")
    .action(async (opts) => (await actions()).backupCleanup(global(), opts));
}

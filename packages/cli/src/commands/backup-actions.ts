import type { GlobalOptions } from "../config-loader.js";
import { withAwsErrors } from "../engine/aws-errors.js";
import { confirmOrStop } from "../engine/confirm.js";
import { prepareStage } from "../engine/stage.js";
import { CliError } from "../errors.js";
import { stageRecoveryPoints } from "../resources/backup/recovery-points.js";
import { writeErr } from "../util/stdio.js";
import type { StageOptions } from "./options.js";

/**
 * `pocket backup cleanup`: deletes the recovery points of the stage's existing databases from
 * pocket's vault, once asked (or --yes), and only when `[backup] deletable = true` says the data
 * may go (docs/decisions.md#b9-aws-backup-plans). The plans are left alone. No stage lock: a
 * deploy neither reads nor writes recovery points.
 */
export async function backupCleanup(global: GlobalOptions, opts: StageOptions & { yes?: boolean }) {
  const { run } = await prepareStage(global, opts);
  const { ctx } = run;
  const b = ctx.backup;
  if (!b) {
    throw new CliError("no-backup", `stage ${ctx.stage} has no [backup].`, {
      hint: "Recovery points pocket did not plan are not pocket's: delete them in the AWS Backup console.",
    });
  }
  if (!b.deletable) {
    throw new CliError("backup-not-deletable", `the backups of stage ${ctx.stage} are not deletable.`, {
      hint: `Declare deletable = true under [backup] (or [${ctx.stage}.backup]) for the cleanup, then run it again.`,
    });
  }
  const aws = run.aws(b.region);
  const found = await withAwsErrors(b.region, () => stageRecoveryPoints(aws, ctx));
  const total = found.reduce((n, f) => n + f.points.length, 0);
  if (total === 0) {
    writeErr(`No recovery points of stage ${ctx.stage}'s databases in the vault ${b.vaultName}.\n`);
    return;
  }
  const listing = found.map((f) => `${f.points.length} of ${f.what}`).join(", ");
  await confirmOrStop(
    run,
    `Delete ${total} recovery point(s) (${listing}) from the vault ${b.vaultName}? No restore from them is possible afterwards.`,
  );
  const { DeleteRecoveryPointCommand } = await import("@aws-sdk/client-backup");
  const client = await aws.backup();
  for (const { points } of found) {
    for (const p of points) {
      await withAwsErrors(b.region, () =>
        client.send(
          new DeleteRecoveryPointCommand({
            BackupVaultName: b.vaultName,
            RecoveryPointArn: p.RecoveryPointArn,
          }),
        ),
      );
    }
  }
  writeErr(`Deleted ${total} recovery point(s) (${listing}) from the vault ${b.vaultName}.\n`);
}

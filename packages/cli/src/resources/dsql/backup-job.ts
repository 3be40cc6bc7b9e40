import type { BackupJobState, DescribeBackupJobCommandOutput } from "@aws-sdk/client-backup";
import type { PocketContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { accountId } from "../../aws/clients.js";
import { callerPartition } from "../../aws/partition.js";
import { CliError } from "../../errors.js";
import { writeErr, writeOut } from "../../util/stdio.js";
import { ensureVault } from "../backup/vault.js";
import type { OperationContext } from "../resource.js";
import { findCluster } from "./state.js";

/**
 * `pocket resource dsql backup` and `backup-status` (docs/decisions.md#b13-aurora-dsql): an
 * on-demand AWS Backup job of the stage's cluster, into the vault and with the role of the
 * stage's `[backup.dsql]` plan (or the ones given), and the state of a job.
 */

/** The original's retention without `--retention-days`: [backup.dsql]'s longest tier, else 1095 days. */
const DEFAULT_RETENTION_DAYS = 1095;

const DONE: readonly BackupJobState[] = ["COMPLETED", "FAILED", "ABORTED", "EXPIRED", "PARTIAL"];

interface BackupOptions {
  watch?: boolean;
  vault?: string;
  iamRoleArn?: string;
  retentionDays?: string;
}

export async function startBackup({ run }: OperationContext, opts: BackupOptions) {
  const ctx = run.ctx;
  const aws = run.aws(ctx.dsql!.region);
  const cluster = await stageCluster(aws, ctx);
  const retention = retentionOf(ctx, opts.retentionDays);
  const { vault, role } = await target(aws, ctx, opts);
  const { StartBackupJobCommand } = await import("@aws-sdk/client-backup");
  writeErr(
    `Retention: ${retention.days === 0 ? "none (kept until deleted)" : `${retention.days} days`} (${retention.from})\n`,
  );
  if (retention.days === 0) {
    writeErr(
      "warning: --retention-days=0: the recovery point never expires, and pocket will not delete it.\n",
    );
  }
  const job = await (await aws.backup()).send(
    new StartBackupJobCommand({
      BackupVaultName: vault,
      ResourceArn: cluster.arn,
      IamRoleArn: role,
      ...(retention.days > 0 ? { Lifecycle: { DeleteAfterDays: retention.days } } : {}),
    }),
  );
  writeOut(`${job.BackupJobId}\n`);
  writeErr(
    `started backup job ${job.BackupJobId} of ${cluster.identifier} into ${vault}; \`pocket resource dsql backup-status --stage ${ctx.stage} --job-id ${job.BackupJobId}\` follows it.\n`,
  );
  if (opts.watch) await watch(aws, job.BackupJobId!, run.timing.rdsPollMs);
}

export async function backupStatus({ run }: OperationContext, opts: { jobId?: string; watch?: boolean }) {
  const aws = run.aws(run.ctx.dsql!.region);
  const id = opts.jobId ?? (await latestJob(aws, (await stageCluster(aws, run.ctx)).arn));
  if (opts.watch) return watch(aws, id, run.timing.rdsPollMs);
  print(await describe(aws, id));
}

async function stageCluster(aws: AwsClients, ctx: PocketContext) {
  const cluster = await findCluster(aws, ctx.dsql!);
  if (cluster) return cluster;
  throw new CliError(
    "dsql-missing",
    `stage ${ctx.stage} has no Aurora DSQL cluster (Name tag ${ctx.dsql!.nameTag}).`,
    {
      hint: "Create it with `pocket deploy`.",
    },
  );
}

function retentionOf(ctx: PocketContext, given: string | undefined): { days: number; from: string } {
  if (given !== undefined) {
    const days = Number(given);
    if (!Number.isInteger(days) || days < 0 || days > 36_500) {
      throw new CliError(
        "invalid-option",
        `--retention-days ${given}: give whole days, 0 to 36500 (0: never expires).`,
      );
    }
    return { days, from: "--retention-days" };
  }
  const monthly = ctx.backup?.dsql?.rules.find((r) => r.name === "monthly");
  return monthly
    ? { days: monthly.deleteAfterDays, from: "from [backup.dsql] monthly" }
    : { days: DEFAULT_RETENTION_DAYS, from: "no [backup.dsql]: the original's default" };
}

/**
 * The vault and role: as given, else the stage's plan's (`pocket-backup`, made when missing, and
 * the stage's backup role, which may back up this cluster only). Without a plan nothing names a
 * role that may: pocket makes no account-wide role (the original does).
 */
async function target(
  aws: AwsClients,
  ctx: PocketContext,
  opts: BackupOptions,
): Promise<{ vault: string; role: string }> {
  const b = ctx.backup?.dsql ? ctx.backup : undefined;
  if (!opts.iamRoleArn && !b) {
    throw new CliError(
      "dsql-backup-role",
      `stage ${ctx.stage} has no [backup.dsql], so no role may back up its cluster.`,
      {
        hint: "Declare [backup.dsql] and deploy (its role backs up the stage's cluster only), or give --iam-role-arn (and --vault) of your own.",
      },
    );
  }
  const vault = opts.vault ?? b?.vaultName ?? "pocket-backup";
  if (!opts.vault && b) {
    await ensureVault(aws, b, { update: (m) => writeErr(`${m}...\n`), log: (m) => writeErr(`${m}\n`) });
  }
  const role =
    opts.iamRoleArn ?? `arn:${await callerPartition(aws)}:iam::${await accountId(aws)}:role/${b!.roleName}`;
  return { vault, role };
}

async function latestJob(aws: AwsClients, resourceArn: string): Promise<string> {
  const { ListBackupJobsCommand } = await import("@aws-sdk/client-backup");
  const jobs =
    (await (await aws.backup()).send(new ListBackupJobsCommand({ ByResourceArn: resourceArn }))).BackupJobs ??
    [];
  const latest = [...jobs].sort(
    (a, b) => (b.CreationDate?.getTime() ?? 0) - (a.CreationDate?.getTime() ?? 0),
  )[0];
  if (!latest?.BackupJobId) {
    throw new CliError("dsql-backup-none", "no backup job of the stage's cluster is listed yet.", {
      hint: "Start one with `pocket resource dsql backup`; a plan's jobs are listed by AWS Backup up to 30 minutes late.",
    });
  }
  return latest.BackupJobId;
}

async function describe(aws: AwsClients, id: string): Promise<DescribeBackupJobCommandOutput> {
  const { DescribeBackupJobCommand } = await import("@aws-sdk/client-backup");
  return (await aws.backup()).send(new DescribeBackupJobCommand({ BackupJobId: id }));
}

function print(job: DescribeBackupJobCommandOutput) {
  const point = job.RecoveryPointArn ? ` → ${job.RecoveryPointArn}` : "";
  writeOut(`${job.BackupJobId}: ${job.State}${job.StatusMessage ? ` (${job.StatusMessage})` : ""}${point}\n`);
}

/** Polls until the job ends; a job that did not complete exits 1. */
async function watch(aws: AwsClients, id: string, pollMs: number): Promise<void> {
  for (;;) {
    const job = await describe(aws, id);
    if (job.State && DONE.includes(job.State)) {
      print(job);
      if (job.State !== "COMPLETED") {
        throw new CliError("dsql-backup-failed", `backup job ${id} ended ${job.State}.`);
      }
      return;
    }
    writeErr(`${id}: ${job.State}...\n`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

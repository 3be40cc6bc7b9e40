import { awsOperation } from "../operation.js";
import { resourceKind } from "../resource.js";
import { dsqlPermissions } from "./permissions.js";
import { dsqlResource } from "./resource.js";

/** `[dsql]`: the stage's Aurora DSQL cluster (no VPC; IAM-token connections). */
export default resourceKind({
  group: "dsql",
  noun: "the Aurora DSQL cluster",
  description: "the stage's [dsql] Aurora DSQL cluster",
  section: "[dsql]",
  permissions: dsqlPermissions,
  keeps: { withData: "required: deletes the cluster and its data (DSQL keeps no final snapshot)" },
  create: (ctx) => (ctx.dsql ? [dsqlResource(ctx)] : []),
  operations: {
    endpoint: awsOperation({
      description: "print the cluster's endpoint, region and port (no password: connections use IAM tokens)",
      options: [["--format <format>", "text (default) or json, for scripts"]],
      run: async () => (await import("./endpoint.js")).printEndpoint,
    }),
    backup: awsOperation({
      description:
        "start an on-demand AWS Backup job of the cluster (the vault and role of [backup.dsql], or those given); prints the job id",
      options: [
        ["--watch", "wait until the job ends"],
        ["--vault <name>", "a vault of your own (not checked)"],
        ["--iam-role-arn <arn>", "a role of your own that may back up the cluster (not checked)"],
        [
          "--retention-days <days>",
          "days the recovery point is kept (default: [backup.dsql] monthly, else 1095; 0: never expires)",
        ],
      ],
      run: async () => (await import("./backup-job.js")).startBackup,
    }),
    "backup-status": awsOperation({
      description: "the state of a backup job of the cluster (the latest without --job-id)",
      options: [
        ["--job-id <id>", "the job (default: the cluster's latest)"],
        ["--watch", "wait until the job ends"],
      ],
      run: async () => (await import("./backup-job.js")).backupStatus,
    }),
    restore: {
      description: "not built: says how to restore a recovery point by hand (the original's restore)",
      options: [
        ["--latest", "(the original's) the cluster's latest recovery point"],
        ["--skip-backup", "(the original's) no backup of the current cluster first"],
      ],
      run: async () => (await import("./restore.js")).refuseRestore,
    },
    "restore-status": {
      description: "not built: says how to restore a recovery point by hand (the original's restore-status)",
      options: [["--job-id <id>", "(the original's) the restore job"]],
      run: async () => (await import("./restore.js")).refuseRestore,
    },
  },
});

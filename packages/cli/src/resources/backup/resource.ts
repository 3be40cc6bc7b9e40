import type { PocketContext } from "@magic-pocket/config";
import { backupTemplate, DSQL_CLUSTER_ARN } from "../../templates/backup.js";
import type { Resource } from "../resource.js";
import { stackResource } from "../stack-resource.js";
import { stageRecoveryPoints } from "./recovery-points.js";
import { ensureVault } from "./vault.js";

/**
 * The stage's backup plans (docs/decisions.md#b9-aws-backup-plans): the vault first (the plans'
 * rules name it), then the stack. Kept with the database it backs up (`--with-data` deletes
 * both); the recovery points stay in the vault either way, counted in the destroy's log.
 */
export function backupResource(ctx: PocketContext): Resource {
  const b = ctx.backup!;
  const stack = stackResource({
    id: "backup",
    title: `backup plans stack ${b.stackName}`,
    group: "backup",
    dependsOn: ["rds", "dsql"],
    keep: { unless: "withData", because: "the database it backs up is kept" },
    goesWith: `the recovery points stay in the vault ${b.vaultName}`,
    region: b.region,
    stackName: b.stackName,
    namedIam: true,
    template: () => backupTemplate(ctx),
    // [backup.dsql]: AWS chooses the cluster's id, so its ARN comes from the deploy.
    ...(b.dsql
      ? {
          parameters: {
            [DSQL_CLUSTER_ARN]: { kind: "resource-output", resource: "dsql", field: "clusterArn" },
          },
        }
      : {}),
    beforeDestroy: async (run, progress) => {
      for (const { what, points } of await stageRecoveryPoints(run.aws(b.region), ctx)) {
        if (points.length > 0) {
          progress.log(
            `${points.length} recovery point(s) of ${what} kept in ${b.vaultName} (billed until they expire; \`pocket backup cleanup\` deletes them with deletable = true)`,
          );
        }
      }
    },
  });
  return {
    ...stack,
    async deploy(run, progress) {
      const created = await ensureVault(run.aws(b.region), b, progress);
      const report = await stack.deploy(run, progress);
      return created
        ? { ...report, changed: true, summary: `created vault ${b.vaultName}; ${report.summary}` }
        : report;
    },
  };
}

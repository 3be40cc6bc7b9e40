import { CliError } from "../../errors.js";
import type { OperationContext } from "../resource.js";

/**
 * `pocket resource dsql restore` and `restore-status`: the original's commands, not built
 * (docs/decisions.md#b13-aurora-dsql). A restore makes a new cluster from a recovery point, which
 * nothing here can prove (moto makes no cluster from one), so the command refuses before any AWS
 * call and says how to do it by hand, as the original's restore would, step by step.
 */
export async function refuseRestore({ run }: OperationContext): Promise<void> {
  const d = run.ctx.dsql!;
  throw new CliError(
    "dsql-restore-not-built",
    "pocket does not restore Aurora DSQL clusters yet; nothing was changed.",
    {
      hint: [
        "Restore in the AWS Backup console (vault pocket-backup; it makes a new cluster, the old one stays),",
        `tag the old cluster Name = ${d.nameTag}-replaced-<its id> and the new one Name = ${d.nameTag},`,
        `then run \`pocket deploy --stage ${run.ctx.stage}\`: it publishes the new endpoint and points the functions at the new cluster.`,
      ].join(" "),
    },
  );
}

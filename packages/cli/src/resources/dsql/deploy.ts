import type { PocketContext } from "@magic-pocket/config";
import type { AwsClients } from "../../aws/clients.js";
import { CliError } from "../../errors.js";
import type { DeployReport, Progress, RunContext } from "../resource.js";
import { publishEndpoint, publishedAt } from "./publish.js";
import { type DsqlCluster, dsqlOutputs, findCluster } from "./state.js";

/**
 * `[dsql]` by API calls, as the original does (docs/decisions.md#b13-aurora-dsql): the cluster
 * (found again by its Name tag), its deletion protection as written, and the endpoint published
 * to the stored user secret. A second deploy makes no call that changes anything.
 */
export async function deployDsql(
  ctx: PocketContext,
  run: RunContext,
  progress: Progress,
): Promise<DeployReport> {
  const dsql = ctx.dsql!;
  const aws = run.aws(dsql.region);
  const done: string[] = [];
  let cluster = await findCluster(aws, dsql);
  if (!cluster) {
    cluster = await createCluster(aws, ctx, run.timing.rdsPollMs, progress);
    done.push(`created cluster ${cluster.identifier}`);
  } else if (cluster.deletionProtectionEnabled !== dsql.deletionProtection) {
    await setDeletionProtection(aws, cluster, dsql.deletionProtection);
    done.push(`deletion protection ${dsql.deletionProtection ? "on" : "off"}`);
  }
  const outputs = dsqlOutputs(cluster, dsql);
  if (await publishEndpoint(aws, dsql, outputs.endpoint!))
    done.push(`endpoint published to ${publishedAt(dsql)}`);
  if (!ctx.backup?.dsql) {
    // The original warns on every deploy: DSQL has no backup of its own.
    progress.log(
      `warning: stage ${ctx.stage} declares no [backup.dsql]: Aurora DSQL keeps no backups of its own, so nothing restores a deleted row or table`,
    );
  }
  return { changed: done.length > 0, summary: done.length > 0 ? done.join(", ") : "no changes", outputs };
}

async function createCluster(
  aws: AwsClients,
  ctx: PocketContext,
  pollMs: number,
  progress: Progress,
): Promise<DsqlCluster> {
  const dsql = ctx.dsql!;
  progress.update(`creating Aurora DSQL cluster ${dsql.nameTag}`);
  const { CreateClusterCommand } = await import("@aws-sdk/client-dsql");
  const created = await (await aws.dsql()).send(
    new CreateClusterCommand({
      deletionProtectionEnabled: dsql.deletionProtection,
      tags: { Name: dsql.nameTag, "pocket:stage": ctx.stage, "pocket:project": ctx.project },
    }),
  );
  return waitActive(aws, created.identifier!, pollMs, progress);
}

/** Polls until the cluster is ACTIVE (a new one takes about a minute on AWS). */
export async function waitActive(
  aws: AwsClients,
  identifier: string,
  pollMs: number,
  progress: Progress,
): Promise<DsqlCluster> {
  const { GetClusterCommand } = await import("@aws-sdk/client-dsql");
  for (;;) {
    const c = (await (await aws.dsql()).send(new GetClusterCommand({ identifier }))) as DsqlCluster;
    if (c.status === "ACTIVE") return c;
    if (c.status === "FAILED") {
      throw new CliError("dsql-failed", `the Aurora DSQL cluster ${identifier} failed to create.`, {
        hint: "Delete it in the DSQL console, then run `pocket deploy` again.",
      });
    }
    progress.update(`waiting for Aurora DSQL cluster ${identifier} (${c.status})`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export async function setDeletionProtection(
  aws: AwsClients,
  cluster: DsqlCluster,
  on: boolean,
): Promise<void> {
  const { UpdateClusterCommand } = await import("@aws-sdk/client-dsql");
  await (await aws.dsql()).send(
    new UpdateClusterCommand({ identifier: cluster.identifier, deletionProtectionEnabled: on }),
  );
}

import { CliError } from "../../errors.js";
import { writeJson } from "../../output.js";
import { writeOut } from "../../util/stdio.js";
import type { OperationContext } from "../resource.js";
import { clusterEndpoint, findCluster } from "./state.js";

/**
 * `pocket resource dsql endpoint [--format json]`: the original's connection details
 * (`{"endpoint", "region", "port"}`); a stage without its cluster exits 1.
 */
export async function printEndpoint({ run }: OperationContext, opts: { format?: string }) {
  const dsql = run.ctx.dsql!;
  if (opts.format !== undefined && opts.format !== "json" && opts.format !== "text") {
    throw new CliError("invalid-option", `--format ${opts.format}: the formats are text and json.`);
  }
  const cluster = await findCluster(run.aws(dsql.region), dsql);
  if (!cluster) {
    throw new CliError(
      "dsql-missing",
      `stage ${run.ctx.stage} has no Aurora DSQL cluster (Name tag ${dsql.nameTag}).`,
      {
        hint: "Create it with `pocket deploy`.",
      },
    );
  }
  const info = { endpoint: clusterEndpoint(cluster, dsql), region: dsql.region, port: dsql.port };
  if (opts.format === "json") return writeJson(info);
  for (const [k, v] of Object.entries(info)) writeOut(`${k}: ${v}\n`);
}

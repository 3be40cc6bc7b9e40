import { CliError } from "../../errors.js";
import { writeJson } from "../../output.js";
import { writeOut } from "../../util/stdio.js";
import type { OperationContext } from "../resource.js";
import { readRdsOutputs } from "./state.js";

/** `pocket resource rds endpoint`: where to connect, and where the password is (never the password). */
export async function printEndpoint({ run }: OperationContext, opts: { json?: boolean }) {
  const rds = run.ctx.rds!;
  const out = await readRdsOutputs(run.aws(rds.region), rds);
  if (!out) {
    throw new CliError("rds-missing", `the Aurora cluster ${rds.clusterIdentifier} does not exist.`, {
      hint: "Create it with `pocket deploy`.",
    });
  }
  const info = {
    host: out.endpoint,
    port: Number(out.port),
    database: rds.databaseName,
    username: rds.username,
    passwordSecretArn: out.secretArn,
  };
  if (opts.json) return writeJson(info);
  for (const [k, v] of Object.entries(info)) writeOut(`${k}: ${v}\n`);
}

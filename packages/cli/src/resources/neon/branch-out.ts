import { CliError } from "../../errors.js";
import { writeErr } from "../../util/stdio.js";
import type { OperationContext } from "../resource.js";
import { baseBranch, neonApi } from "./resource.js";

/**
 * `pocket resource neon branch-out --base-stage B`: the stage's branch as a copy of stage B's
 * (schema and data, roles with their passwords), for preview stages. `pocket deploy` then finds
 * the role and database in place and only adds what is missing.
 */
export async function branchOut({ run }: OperationContext, opts: { baseStage?: string }) {
  const neon = run.ctx.neon!;
  if (!opts.baseStage) {
    throw new CliError("option-missing", "branch-out needs --base-stage <stage>.", {
      hint: "Name the stage whose branch to copy, e.g. --base-stage dev.",
    });
  }
  if (opts.baseStage === neon.branch) {
    throw new CliError("neon-same-stage", "--base-stage must name another stage than --stage.");
  }
  const api = neonApi(run);
  const project = await api.project(neon.projectName);
  const [base, existing] = await Promise.all([
    baseBranch(api, project, neon.projectName, opts.baseStage),
    api.branch(project.id, neon.branch),
  ]);
  if (existing) {
    throw new CliError("neon-branch-exists", `stage ${neon.branch} already has its Neon branch.`, {
      hint: `Delete it first (pocket resource neon destroy --stage ${neon.branch} --with-data) to branch out again.`,
    });
  }
  writeErr(`creating Neon branch ${neon.branch} from ${opts.baseStage}...\n`);
  await api.createBranch(project.id, neon.branch, base.id);
  writeErr(
    `created: ${neon.branch} starts as a copy of ${opts.baseStage}. Run \`pocket deploy --stage ${neon.branch}\` to use it.\n`,
  );
}

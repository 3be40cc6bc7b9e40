import { CliError } from "../../errors.js";
import { writeErr } from "../../util/stdio.js";
import type { OperationContext } from "../resource.js";
import { storedUrlSecret } from "../secrets/stored-url.js";
import {
  describeUserSecret,
  userSecretPresence,
  userSecretRegion,
  writeUserSecret,
} from "../secrets/user-secrets.js";
import { ensureNeon, neonApi } from "./resource.js";

/**
 * `pocket resource neon store-url`: with `[neon] provisioning = "command"` deploy never calls
 * Neon; this ensures the stage's branch, role and database and stores the URL in the stored user
 * secret `neon_database_url`, where deploy reads it (docs/decisions.md#b12-neon-provisioning-by-command).
 * A stored URL is kept unless `--force` (Neon's URL is the same each time: the password is read back).
 */
export async function storeUrl({ run }: OperationContext, opts: { force?: boolean }) {
  const neon = run.ctx.neon;
  if (!neon) {
    throw new CliError("section-missing", `stage ${run.ctx.stage} has no [neon] section.`, {
      hint: "Add [neon] (or [<stage>.neon]) with project_name.",
    });
  }
  const target = storedUrlSecret(run.ctx, "neon_database_url");
  const aws = run.aws(userSecretRegion(target, run.ctx.region));
  const where = `${target.env} (${describeUserSecret(target)})`;
  if (!opts.force && (await userSecretPresence(aws, target)).state === "present") {
    writeErr(`${where} is already stored; nothing changed. Run with --force to store it again.\n`);
    return;
  }
  const progress = { update: (m: string) => writeErr(`${m}...\n`), log: (m: string) => writeErr(`${m}\n`) };
  const { done, databaseUrl, host } = await ensureNeon(neon, neonApi(run), progress);
  writeErr(
    `stage=${run.ctx.stage} → project=${neon.projectName} → branch=${neon.branch} → endpoint=${host}\n`,
  );
  if (done.some((d) => d.startsWith("branch"))) {
    writeErr(
      `warning: branch ${neon.branch} was created by this run, so the URL points at a new branch, not at existing data.\n`,
    );
  }
  await writeUserSecret(aws, target, databaseUrl);
  writeErr(`stored the Neon URL in ${where}.\n`);
}

import type { Provision } from "../vendor-store-url.js";
import { ensureNeon, neonApi } from "./resource.js";

/**
 * `pocket resource neon store-url`'s Neon side: the stage's branch, role and database as deploy
 * ensures them, and their URL (docs/decisions.md#b12-provisioning-by-command). Neon's URL is the
 * same each time (the password is read back), so `--force` writes the same value.
 */
export const provisionNeon: Provision = async (run, progress) => {
  const neon = run.ctx.neon!;
  const { done, databaseUrl, host } = await ensureNeon(neon, neonApi(run), progress);
  return {
    url: databaseUrl,
    resolved: `project=${neon.projectName} → branch=${neon.branch} → endpoint=${host}`,
    warning: done.some((d) => d.startsWith("branch"))
      ? `branch ${neon.branch} was created by this run, so the URL points at a new branch, not at existing data.`
      : undefined,
  };
};

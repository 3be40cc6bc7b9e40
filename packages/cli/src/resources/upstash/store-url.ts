import type { Provision } from "../vendor-store-url.js";
import { ensureUpstash, upstashApi, upstashRedisUrl } from "./resource.js";

/**
 * `pocket resource upstash store-url`'s Upstash side: the stage's database as deploy ensures it,
 * and its URL (docs/decisions.md#b12-provisioning-by-command). The password is read back, so
 * `--force` writes the same value.
 */
export const provisionUpstash: Provision = async (run, progress) => {
  const upstash = run.ctx.upstash!;
  const { summary, db } = await ensureUpstash(upstash, upstashApi(run), progress);
  return {
    url: upstashRedisUrl(db),
    resolved: `database=${upstash.databaseName} → endpoint=${db.endpoint}`,
    warning:
      summary === "created"
        ? `database ${upstash.databaseName} was created by this run, so the URL points at a new, empty database.`
        : undefined,
  };
};

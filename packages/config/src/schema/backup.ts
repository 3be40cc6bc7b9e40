import * as z from "zod/mini";
import { anyTable, int, lazy, needsOneOf, nonEmpty, refusesKey, table } from "./base.js";

/** AWS Backup's cron: six fields, without the `cron(...)` around them (the original's spelling). */
const cron = z.string().check(
  z.regex(/^\S+( \S+){5}$/, {
    error: 'must be six cron fields without cron(...), e.g. "0 4 ? * 1 *" (Sundays at 4:00)',
  }),
);

/** A time zone AWS Backup takes: an IANA name ("Asia/Tokyo", "UTC"). */
const timeZone = nonEmpty.check(
  z.refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { error: 'must be an IANA time zone, e.g. "UTC" or "Asia/Tokyo"' },
  ),
);

/** One tier of a plan; what is left out takes the tier's default (context/backup.ts). */
const tierSchema = lazy(() =>
  table({
    cron: z.optional(cron),
    delete_after_days: z.optional(int(1, 36_500)),
    // Aurora snapshots have no cold storage in AWS Backup: written, it is refused by name.
    cold_storage_after_days: z.optional(z.unknown()),
  }).check(
    refusesKey(
      "cold_storage_after_days",
      "backup-rds-cold-storage",
      "Aurora snapshots have no cold storage in AWS Backup",
      "Remove cold_storage_after_days from [backup.rds].",
    ),
  ),
);

/**
 * `[backup]`: AWS Backup plans for the stage's pocket-made databases
 * (docs/decisions.md#b9-aws-backup-plans). `[backup.rds]`: weekly and monthly snapshots of the
 * managed Aurora cluster (the recent days are its point-in-time recovery, `[rds.backup]`).
 */
export const backupSchema = lazy(() =>
  table({
    deletable: z._default(z.boolean(), false),
    timezone: z._default(timeZone, "UTC"),
    rds: z.optional(
      table({
        weekly: z.optional(tierSchema()),
        monthly: z.optional(tierSchema()),
        daily: z.optional(anyTable),
      }).check(
        refusesKey(
          "daily",
          "backup-rds-daily",
          "[backup.rds.daily]: the recent days of Aurora are its point-in-time recovery, not a plan",
          "Remove [backup.rds.daily]; set the days kept with [rds.backup] retention_days (up to 35).",
        ),
      ),
    ),
    // Refused as not built (head/unbuilt.ts) before this schema sees it.
    dsql: z.optional(anyTable),
  }).check(
    needsOneOf(
      ["rds", "dsql"],
      "backup-no-engine",
      () => "[backup] names no database to back up",
      "Add [backup.rds] (the managed Aurora cluster), or remove [backup].",
    ),
  ),
);

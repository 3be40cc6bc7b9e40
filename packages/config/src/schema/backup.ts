import * as z from "zod/mini";
import { anyTable, fail, int, lazy, needsOneOf, nonEmpty, refusesKey, table } from "./base.js";

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

/** One tier of a plan; what is left out takes the tier's default (DSQL_TIERS, context/backup.ts). */
const tierFields = {
  cron: z.optional(cron),
  delete_after_days: z.optional(int(1, 36_500)),
};

/** An Aurora tier: Aurora snapshots have no cold storage in AWS Backup, so the key is refused by name. */
const rdsTierSchema = lazy(() =>
  table({ ...tierFields, cold_storage_after_days: z.optional(z.unknown()) }).check(
    refusesKey(
      "cold_storage_after_days",
      "backup-rds-cold-storage",
      "Aurora snapshots have no cold storage in AWS Backup",
      "Remove cold_storage_after_days from [backup.rds].",
    ),
  ),
);

/** A DSQL tier: cold storage allowed (0 = never moved). */
const dsqlTierSchema = lazy(() =>
  table({ ...tierFields, cold_storage_after_days: z.optional(int(0, 36_500)) }),
);

type DsqlTierName = "daily" | "weekly" | "monthly";

/**
 * The original's tiers for DSQL, which keeps no backups of its own: daily (3:00, 35 days),
 * weekly (Sundays 4:00, a year, cold after 90 days) and monthly (the 1st, 5:00, three years,
 * cold after 90 days) (docs/decisions.md#b13-aurora-dsql).
 */
export const DSQL_TIERS: Record<
  DsqlTierName,
  { cron: string; deleteAfterDays: number; coldStorageAfterDays: number }
> = {
  daily: { cron: "0 3 * * ? *", deleteAfterDays: 35, coldStorageAfterDays: 0 },
  weekly: { cron: "0 4 ? * 1 *", deleteAfterDays: 365, coldStorageAfterDays: 90 },
  monthly: { cron: "0 5 1 * ? *", deleteAfterDays: 1095, coldStorageAfterDays: 90 },
};

/** AWS Backup bills cold storage for 90 days at least: a tier moved there is kept 90 days more. */
const COLD_STORAGE_MINIMUM_DAYS = 90;

type DsqlTiers = Partial<Record<DsqlTierName, { deleteAfterDays?: number; coldStorageAfterDays?: number }>>;

/** Each tier, with its defaults filled in, keeps what it moves to cold storage 90 days there. */
const dsqlColdStorageMinimum = z.superRefine((t: DsqlTiers, ctx) => {
  for (const name of Object.keys(DSQL_TIERS) as DsqlTierName[]) {
    const cold = t[name]?.coldStorageAfterDays ?? DSQL_TIERS[name].coldStorageAfterDays;
    const keep = t[name]?.deleteAfterDays ?? DSQL_TIERS[name].deleteAfterDays;
    if (cold > 0 && keep < cold + COLD_STORAGE_MINIMUM_DAYS) {
      fail(
        ctx,
        "backup-cold-storage-minimum",
        `[backup.dsql.${name}] moves backups to cold storage after ${cold} days and deletes them after ${keep}; cold storage is billed for ${COLD_STORAGE_MINIMUM_DAYS} days at least, so delete_after_days must be ${cold + COLD_STORAGE_MINIMUM_DAYS} or more`,
        [name, "delete_after_days"],
        "Raise delete_after_days, or set cold_storage_after_days = 0 (never moved) for a short-lived tier.",
      );
    }
  }
});

/**
 * `[backup]`: AWS Backup plans for the stage's pocket-made databases
 * (docs/decisions.md#b9-aws-backup-plans). `[backup.rds]`: weekly and monthly snapshots of the
 * managed Aurora cluster (the recent days are its point-in-time recovery, `[rds.backup]`).
 * `[backup.dsql]`: daily, weekly and monthly backups of the `[dsql]` cluster, the only backups
 * it has (docs/decisions.md#b13-aurora-dsql).
 */
export const backupSchema = lazy(() =>
  table({
    deletable: z._default(z.boolean(), false),
    timezone: z._default(timeZone, "UTC"),
    rds: z.optional(
      table({
        weekly: z.optional(rdsTierSchema()),
        monthly: z.optional(rdsTierSchema()),
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
    dsql: z.optional(
      table({
        daily: z.optional(dsqlTierSchema()),
        weekly: z.optional(dsqlTierSchema()),
        monthly: z.optional(dsqlTierSchema()),
      }).check(dsqlColdStorageMinimum),
    ),
  }).check(
    needsOneOf(
      ["rds", "dsql"],
      "backup-no-engine",
      () => "[backup] names no database to back up",
      "Add [backup.rds] (the managed Aurora cluster) or [backup.dsql] (the DSQL cluster), or remove [backup].",
    ),
  ),
);

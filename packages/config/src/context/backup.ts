import { DSQL_TIERS } from "../schema/backup.js";
import type { SectionSettings } from "../schema/settings.js";
import type { BackupContext, BackupRule, DsqlContext, PocketContext, RdsContext } from "./types.js";

/**
 * The original's tiers for Aurora: weekly (Sundays 4:00, a year) and monthly (the 1st, 5:00,
 * three years); the recent days are the cluster's point-in-time recovery, so there is no daily.
 */
const RDS_TIERS: readonly BackupRule[] = [
  { name: "weekly", cron: "0 4 ? * 1 *", deleteAfterDays: 365 },
  { name: "monthly", cron: "0 5 1 * ? *", deleteAfterDays: 1095 },
];

type Tier = { cron?: string; deleteAfterDays?: number; coldStorageAfterDays?: number } | undefined;

/** `[backup]` (docs/decisions.md#b9-aws-backup-plans): names, and each tier with its defaults. */
export function buildBackup(
  b: SectionSettings<"backup">,
  ctx: PocketContext,
  rds: RdsContext | undefined,
  dsql: DsqlContext | undefined,
): BackupContext {
  const tiers = (b.rds ?? {}) as Record<string, Tier>;
  return {
    stackName: `${ctx.slug}-backup`,
    region: ctx.region,
    vaultName: "pocket-backup",
    roleName: `${ctx.resourcePrefix}backup`,
    deletable: b.deletable,
    timezone: b.timezone,
    ...(b.rds && rds
      ? {
          rds: {
            planName: `${ctx.resourcePrefix}backup-rds`,
            selectionName: `${ctx.resourcePrefix}backup-rds`,
            clusterIdentifier: rds.clusterIdentifier,
            rules: RDS_TIERS.map((t) => ({
              name: t.name,
              cron: tiers[t.name]?.cron ?? t.cron,
              deleteAfterDays: tiers[t.name]?.deleteAfterDays ?? t.deleteAfterDays,
            })),
          },
        }
      : {}),
    ...(b.dsql && dsql ? { dsql: dsqlPlan(b.dsql as Record<string, Tier>, ctx) } : {}),
  };
}

/**
 * DSQL's plan (docs/decisions.md#b13-aurora-dsql): every tier, each written key over its
 * default; the selection names the cluster by the ARN its deploy reads (AWS chooses its id).
 */
function dsqlPlan(tiers: Record<string, Tier>, ctx: PocketContext): NonNullable<BackupContext["dsql"]> {
  return {
    planName: `${ctx.resourcePrefix}backup-dsql`,
    selectionName: `${ctx.resourcePrefix}backup-dsql`,
    rules: (Object.keys(DSQL_TIERS) as (keyof typeof DSQL_TIERS)[]).map((name) => {
      const d = DSQL_TIERS[name];
      const t = tiers[name];
      return {
        name,
        cron: t?.cron ?? d.cron,
        deleteAfterDays: t?.deleteAfterDays ?? d.deleteAfterDays,
        coldStorageAfterDays: t?.coldStorageAfterDays ?? d.coldStorageAfterDays,
      };
    }),
  };
}

import * as z from "zod/mini";
import { fail, int, lazy, nonEmpty, optionalNonEmpty, optionalString, table } from "./base.js";

/**
 * `provisioning` of [neon], [tidb] and [upstash]: "deploy" ensures the database and fills the URL
 * during deploy; "command" never calls the vendor during deploy, `pocket resource <section>
 * store-url` does (docs/decisions.md#b12-provisioning-by-command).
 */
const provisioning = z._default(z.enum(["deploy", "command"]), "deploy");

export const neonSchema = lazy(() =>
  table({
    project_name: nonEmpty,
    pg_version: z._default(int(14, 17), 15),
    neon_api_key: optionalString,
    provisioning,
  }),
);
export type NeonSettings = z.output<ReturnType<typeof neonSchema>>;

export const tidbSchema = lazy(() =>
  table({
    project: optionalNonEmpty,
    cluster: optionalNonEmpty,
    region: z._default(z.string(), "ap-northeast-1"),
    tidb_public_key: optionalString,
    tidb_private_key: optionalString,
    provisioning,
  }),
);
export type TidbSettings = z.output<ReturnType<typeof tidbSchema>>;

/**
 * `[upstash]`: the stage's Upstash Redis database. `budget` is the monthly cap in dollars (Upstash's
 * minimum, $20, is the default); the API credentials come from the environment only.
 */
export const upstashSchema = lazy(() =>
  table({
    budget: z._default(int(20, 1_000_000), 20),
    provisioning,
  }),
);
export type UpstashSettings = z.output<ReturnType<typeof upstashSchema>>;

/** Aurora Serverless v2 capacity: 0 to 256 ACU in steps of 0.5 (0 pauses the cluster when idle). */
const acu = z.number().check(
  z.gte(0),
  z.lte(256),
  z.refine((n) => Number.isInteger(n * 2), { error: "must be a multiple of 0.5 ACU" }),
);

export const rdsSchema = lazy(() =>
  table({
    min_capacity: z._default(acu, 0.5),
    max_capacity: z._default(acu.check(z.gte(1)), 2),
    use_vpc: z.optional(z.boolean()),
    /** false: an existing cluster (the original's current spelling), reached through these two. */
    managed: z._default(z.boolean(), true),
    secret_arn: z.optional(
      z.string().check(
        z.regex(/^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, {
          error: "must be a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)",
        }),
      ),
    ),
    /** An existing cluster's database, when not the secret's `dbname` (the managed one's is derived). */
    database: optionalNonEmpty,
    security_group_id: z.optional(
      z.string().check(z.regex(/^sg-[0-9a-f]{8,17}$/, { error: 'must be a security group id ("sg-...")' })),
    ),
    /**
     * A managed cluster's first creation restores this cluster snapshot (an id, or an ARN for an
     * automated or another account's snapshot); read only while the cluster does not exist
     * (docs/decisions.md#b8-a-cluster-restored-from-a-snapshot).
     */
    snapshot_identifier: z.optional(
      z.string().check(
        z.regex(/^(arn:aws[\w-]*:rds:[a-z0-9-]+:\d{12}:cluster-snapshot:)?[A-Za-z][A-Za-z0-9:-]{0,254}$/, {
          error:
            'must be a cluster snapshot id ("myapp-prod-20260410") or ARN (arn:aws:rds:REGION:ACCOUNT:cluster-snapshot:ID)',
        }),
      ),
    ),
    backup_retention_days: z._default(int(1, 35), 7),
    /** `hh:mm-hh:mm` in UTC, at least 30 minutes (RDS's rule). */
    preferred_backup_window: z.optional(
      z.string().check(
        z.regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, {
          error: 'must be "hh:mm-hh:mm" in UTC, e.g. "17:00-17:30"',
        }),
      ),
    ),
  }).check(
    z.superRefine((r, ctx) => {
      if (r.preferredBackupWindow) {
        const [from, to] = r.preferredBackupWindow.split("-").map((t) => {
          const [h, m] = t.split(":").map(Number);
          return h! * 60 + m!;
        });
        const minutes = (to! - from! + 24 * 60) % (24 * 60);
        if (minutes < 30) {
          fail(
            ctx,
            "rds-backup-window",
            `preferred_backup_window "${r.preferredBackupWindow}" is ${minutes} minutes; RDS needs at least 30`,
            ["preferred_backup_window"],
          );
        }
      }
      existingClusterKeys(r, ctx);
      if (r.minCapacity > r.maxCapacity) {
        fail(
          ctx,
          "rds-capacity-order",
          `min_capacity (${r.minCapacity}) is above max_capacity (${r.maxCapacity})`,
          ["min_capacity"],
        );
      }
    }),
  ),
);
export type RdsSettings = z.output<ReturnType<typeof rdsSchema>>;

/** `managed = false` needs the cluster's secret and security group; a managed cluster takes neither. */
function existingClusterKeys(
  r: { managed: boolean; secretArn?: string; securityGroupId?: string },
  ctx: Parameters<typeof fail>[0],
) {
  for (const [key, value] of [
    ["secret_arn", r.secretArn],
    ["security_group_id", r.securityGroupId],
  ] as const) {
    if (!r.managed && value === undefined) {
      fail(ctx, "rds-existing-incomplete", `managed = false needs ${key} (the existing cluster's)`, [key]);
    }
    if (r.managed && value !== undefined) {
      fail(
        ctx,
        "rds-managed-existing-key",
        `${key} is for an existing cluster (managed = false); pocket makes its own`,
        [key],
        "Remove it, or write managed = false to use the existing cluster.",
      );
    }
  }
}

import * as z from "zod";
import { fail, lazy, table } from "./base.js";

export const neonSchema = lazy(() =>
  table({
    project_name: z.string().min(1),
    pg_version: z.int().min(14).max(17).default(15),
    neon_api_key: z.string().optional(),
  }),
);
export type NeonSettings = z.output<ReturnType<typeof neonSchema>>;

export const tidbSchema = lazy(() =>
  table({
    project: z.string().min(1).optional(),
    cluster: z.string().min(1).optional(),
    region: z.string().default("ap-northeast-1"),
    tidb_public_key: z.string().optional(),
    tidb_private_key: z.string().optional(),
  }),
);
export type TidbSettings = z.output<ReturnType<typeof tidbSchema>>;

/** Aurora Serverless v2 capacity: 0 to 256 ACU in steps of 0.5 (0 pauses the cluster when idle). */
const acu = z
  .number()
  .min(0)
  .max(256)
  .refine((n) => Number.isInteger(n * 2), { error: "must be a multiple of 0.5 ACU" });

export const rdsSchema = lazy(() =>
  table({
    min_capacity: acu.default(0.5),
    max_capacity: acu.min(1).default(2),
    use_vpc: z.boolean().optional(),
    backup_retention_days: z.int().min(1).max(35).default(7),
    /** `hh:mm-hh:mm` in UTC, at least 30 minutes (RDS's rule). */
    preferred_backup_window: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, {
        error: 'must be "hh:mm-hh:mm" in UTC, e.g. "17:00-17:30"',
      })
      .optional(),
  }).superRefine((r, ctx) => {
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
    if (r.minCapacity > r.maxCapacity) {
      fail(
        ctx,
        "rds-capacity-order",
        `min_capacity (${r.minCapacity}) is above max_capacity (${r.maxCapacity})`,
        ["min_capacity"],
      );
    }
  }),
);
export type RdsSettings = z.output<ReturnType<typeof rdsSchema>>;

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
  }).superRefine((r, ctx) => {
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

import * as z from "zod/mini";
import { lazy, table } from "./base.js";

/**
 * `[dsql]`: the stage's Aurora DSQL cluster (docs/decisions.md#b13-aurora-dsql). The original's one
 * key: deletion protection, off by default in every stage (a stage's name changes no default).
 */
export const dsqlSchema = lazy(() =>
  table({
    deletion_protection: z._default(z.boolean(), false),
  }),
);

import type * as z from "zod/mini";
import type { WafHeaderRule } from "../context/types.js";
import type { AwsContainerSettings } from "../schema/awscontainer.js";
import type { DistributionSettings } from "../schema/cloudfront.js";
import type { schedulerSchema } from "../schema/scheduler.js";

/** A container's settings as the section's transforms leave them (`use_vpc` resolved). */
export type HeadContainerSettings = AwsContainerSettings & { useVpc: boolean };

/**
 * One of several containers, with the parts of the stage its own rewrite reads differently: the
 * distributions hold only its API routes, the scheduler only the schedules that start it.
 */
export interface HeadContainerView {
  awscontainer: HeadContainerSettings;
  cloudfront: Record<string, DistributionSettings>;
  scheduler?: z.output<ReturnType<typeof schedulerSchema>>;
  /** Per distribution, the index the file wrote each of these routes at. */
  routeOrder: Record<string, number[]>;
  /** Its managed secrets declared `shared = true`. */
  sharedSecrets: string[];
}

/**
 * What a file in the original's current spelling says beyond the settings both spellings share:
 * the names it derives differ (docs/decisions.md#d11-two-spellings-one-schema).
 */
export interface HeadFacts {
  spelling: "head";
  /** The container the settings' `awscontainer` holds (the first declared), if any. */
  container?: string;
  /** Every declared container (the first one too), by name, when there are several. */
  containers?: Record<string, HeadContainerView>;
  /** Managed secrets declared `shared = true`. */
  sharedSecrets: string[];
  /** `ecr_name` of the containers that set it, by container name. */
  ecrNames?: Record<string, string>;
  /** Per distribution, `waf.allow_rules` paths allowed exactly (no trailing `*`). */
  wafExactPaths?: Record<string, string[]>;
  /** Per distribution, `waf.allow_rules` with a `header` (its managed secret, its path if any). */
  wafHeaderRules?: Record<string, WafHeaderRule[]>;
  /** `[rds] database`, when written. */
  rdsDatabase?: string;
}

import type { AwsContainerSettings } from "../schema/awscontainer.js";

/**
 * What a file in the original's current spelling says beyond the settings both spellings share:
 * the names it derives differ (docs/decisions.md#d11-two-spellings-one-schema).
 */
export interface HeadFacts {
  spelling: "head";
  /** The container the settings' `awscontainer` holds (the first declared), if any. */
  container?: string;
  /** Every declared container's settings, by name, when there are several. */
  containers?: Record<string, AwsContainerSettings>;
  /** Managed secrets declared `shared = true`. */
  sharedSecrets: string[];
  /** `[rds] database`, when written. */
  rdsDatabase?: string;
}

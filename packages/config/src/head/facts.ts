import type { AwsContainerSettings } from "../schema/awscontainer.js";

/** A container's settings as the section's transforms leave them (`use_vpc` resolved). */
export type HeadContainerSettings = AwsContainerSettings & { useVpc: boolean };

/**
 * What a file in the original's current spelling says beyond the settings both spellings share:
 * the names it derives differ (docs/decisions.md#d11-two-spellings-one-schema).
 */
export interface HeadFacts {
  spelling: "head";
  /** The container the settings' `awscontainer` holds (the first declared), if any. */
  container?: string;
  /** Every declared container's settings, by name, when there are several. */
  containers?: Record<string, HeadContainerSettings>;
  /** Managed secrets declared `shared = true`. */
  sharedSecrets: string[];
  /** `[rds] database`, when written. */
  rdsDatabase?: string;
}

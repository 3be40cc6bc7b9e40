import type * as z from "zod";
import { type AwsContainerSettings, awscontainerSchema } from "./awscontainer.js";
import { type DistributionSettings, distributionSchema } from "./cloudfront.js";
import {
  type NeonSettings,
  neonSchema,
  type RdsSettings,
  rdsSchema,
  type TidbSettings,
  tidbSchema,
} from "./databases.js";
import type { DjangoSettings } from "./django.js";
import { type GeneralSettings, generalSchema, type S3Settings, s3Schema } from "./general.js";
import { type VpcSettings, vpcSchema } from "./vpc.js";

/** One schema per top-level section; each is validated on its own so one broken section does not hide the others. */
export const SECTION_SCHEMAS = {
  general: generalSchema,
  vpc: vpcSchema,
  s3: s3Schema,
  neon: neonSchema,
  tidb: tidbSchema,
  rds: rdsSchema,
  awscontainer: awscontainerSchema,
} as const satisfies Record<string, z.core.$ZodType>;

export const DISTRIBUTION_SCHEMA = distributionSchema;

export const SECTION_NAMES = [...Object.keys(SECTION_SCHEMAS), "cloudfront"] as const;

/** The validated, stage-merged configuration with every default filled in. */
export interface Settings {
  stage: string;
  general: Omit<GeneralSettings, "projectName" | "djangoFallback"> & {
    projectName: string;
    /** Where projectName came from: the file, or the name of the folder that holds pocket.toml. */
    projectNameSource: "pocket.toml" | "directory";
    djangoFallback: DjangoSettings;
  };
  vpc?: VpcSettings;
  s3?: S3Settings;
  neon?: NeonSettings & { apiKeySource?: SecretSource };
  tidb?: TidbSettings & { publicKeySource?: SecretSource; privateKeySource?: SecretSource };
  rds?: Omit<RdsSettings, "useVpc"> & { useVpc: boolean };
  awscontainer?: Omit<AwsContainerSettings, "useVpc"> & { useVpc: boolean };
  cloudfront: Record<string, DistributionSettings>;
}

/** Where an API key was found (its value is never part of settings shown to users). */
export type SecretSource = "environment" | ".env" | "pocket.toml";

export type {
  AwsContainerSettings,
  DistributionSettings,
  DjangoSettings,
  GeneralSettings,
  NeonSettings,
  RdsSettings,
  S3Settings,
  TidbSettings,
  VpcSettings,
};

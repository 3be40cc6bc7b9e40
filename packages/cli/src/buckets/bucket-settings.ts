import type { S3Client } from "@aws-sdk/client-s3";
import type { S3Context } from "@magic-pocket/config";
import { awsErrorName } from "../aws/errors.js";

/**
 * `[s3]` versioning, cors and lifecycle_rules, reconciled declaratively: pocket reads the
 * bucket's three settings, compares them with the configuration and writes only those that
 * differ, so an unchanged stage makes no call that changes them. The configuration is the whole
 * truth for these three settings (docs/decisions.md#e9-bucket-settings-are-declarative): an
 * empty `cors` or `lifecycle_rules` removes what is there, and `versioning = false` suspends
 * versioning that is on (S3 cannot turn it off; the versions already kept stay).
 */
export type BucketSettings = Pick<S3Context, "versioning" | "cors" | "lifecycleRules">;

type Versioning = "Enabled" | "Suspended" | "Never";

interface CorsRule {
  AllowedOrigins: string[];
  AllowedMethods: string[];
  AllowedHeaders: string[];
  MaxAgeSeconds?: number;
}

interface LifecycleRule {
  ID: string;
  Filter: { Prefix: string };
  Status: "Enabled";
  Expiration?: { Days: number };
  NoncurrentVersionExpiration?: { NoncurrentDays: number };
}

export interface CurrentSettings {
  versioning: Versioning;
  cors: CorsRule[];
  lifecycle: LifecycleRule[];
}

export function desiredCors(s: BucketSettings): CorsRule[] {
  return s.cors.map((c) => ({
    AllowedOrigins: c.allowedOrigins,
    AllowedMethods: c.allowedMethods,
    AllowedHeaders: c.allowedHeaders,
    ...(c.maxAge !== undefined ? { MaxAgeSeconds: c.maxAge } : {}),
  }));
}

export function desiredLifecycle(s: BucketSettings): LifecycleRule[] {
  return s.lifecycleRules.map((r) => ({
    ID: r.id,
    Filter: { Prefix: r.prefix },
    Status: "Enabled",
    ...(r.expirationDays !== undefined ? { Expiration: { Days: r.expirationDays } } : {}),
    ...(r.noncurrentVersionExpirationDays !== undefined
      ? { NoncurrentVersionExpiration: { NoncurrentDays: r.noncurrentVersionExpirationDays } }
      : {}),
  }));
}

export async function readSettings(s3: S3Client, bucket: string): Promise<CurrentSettings> {
  const { GetBucketVersioningCommand, GetBucketCorsCommand, GetBucketLifecycleConfigurationCommand } =
    await import("@aws-sdk/client-s3");
  const [versioning, cors, lifecycle] = await Promise.all([
    s3.send(new GetBucketVersioningCommand({ Bucket: bucket })),
    s3.send(new GetBucketCorsCommand({ Bucket: bucket })).catch((error) => {
      if (awsErrorName(error) === "NoSuchCORSConfiguration") return { CORSRules: [] };
      throw error;
    }),
    s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })).catch((error) => {
      if (awsErrorName(error) === "NoSuchLifecycleConfiguration") return { Rules: [] };
      throw error;
    }),
  ]);
  return {
    versioning: (versioning.Status as Versioning | undefined) ?? "Never",
    cors: (cors.CORSRules ?? []).map((c) => ({
      AllowedOrigins: c.AllowedOrigins ?? [],
      AllowedMethods: c.AllowedMethods ?? [],
      AllowedHeaders: c.AllowedHeaders ?? [],
      ...(c.MaxAgeSeconds !== undefined ? { MaxAgeSeconds: c.MaxAgeSeconds } : {}),
    })),
    lifecycle: (lifecycle.Rules ?? []).map((r) => ({
      ID: r.ID ?? "",
      Filter: { Prefix: r.Filter?.Prefix ?? r.Prefix ?? "" },
      Status: "Enabled",
      ...(r.Expiration?.Days !== undefined ? { Expiration: { Days: r.Expiration.Days } } : {}),
      ...(r.NoncurrentVersionExpiration?.NoncurrentDays !== undefined
        ? { NoncurrentVersionExpiration: { NoncurrentDays: r.NoncurrentVersionExpiration.NoncurrentDays } }
        : {}),
      // A disabled rule is not what the configuration asks for: keep the difference visible.
      ...(r.Status !== "Enabled" ? { Status: r.Status as "Enabled" } : {}),
    })),
  };
}

export interface SettingsDrift {
  versioning?: "Enabled" | "Suspended";
  cors?: CorsRule[];
  lifecycle?: LifecycleRule[];
  /** One phrase per difference, for status and plan. */
  details: string[];
}

/** What must change; `details` is empty when the bucket already matches. */
export function settingsDrift(current: CurrentSettings, wanted: BucketSettings): SettingsDrift {
  const drift: SettingsDrift = { details: [] };
  if (wanted.versioning && current.versioning !== "Enabled") {
    drift.versioning = "Enabled";
    drift.details.push(`versioning ${current.versioning.toLowerCase()} → enabled`);
  } else if (!wanted.versioning && current.versioning === "Enabled") {
    drift.versioning = "Suspended";
    drift.details.push("versioning enabled → suspended");
  }
  const cors = desiredCors(wanted);
  if (JSON.stringify(sortCors(current.cors)) !== JSON.stringify(sortCors(cors))) {
    drift.cors = cors;
    drift.details.push(`CORS ${current.cors.length} → ${cors.length} rule${cors.length === 1 ? "" : "s"}`);
  }
  const lifecycle = desiredLifecycle(wanted);
  const byId = (rules: LifecycleRule[]) => [...rules].sort((a, b) => a.ID.localeCompare(b.ID));
  if (JSON.stringify(byId(current.lifecycle)) !== JSON.stringify(byId(lifecycle))) {
    drift.lifecycle = lifecycle;
    drift.details.push(
      `lifecycle rules ${current.lifecycle.map((r) => r.ID).join(",") || "none"} → ${lifecycle.map((r) => r.ID).join(",") || "none"}`,
    );
  }
  return drift;
}

/** S3 keeps a rule's lists in the order given; sets compare equal in any order. */
function sortCors(rules: CorsRule[]): CorsRule[] {
  return rules.map((r) => ({
    AllowedOrigins: [...r.AllowedOrigins].sort(),
    AllowedMethods: [...r.AllowedMethods].sort(),
    AllowedHeaders: [...r.AllowedHeaders].sort(),
    ...(r.MaxAgeSeconds !== undefined ? { MaxAgeSeconds: r.MaxAgeSeconds } : {}),
  }));
}

/** Writes what `settingsDrift` found, and nothing else. */
export async function applySettings(s3: S3Client, bucket: string, drift: SettingsDrift): Promise<void> {
  const m = await import("@aws-sdk/client-s3");
  if (drift.versioning) {
    await s3.send(
      new m.PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: { Status: drift.versioning },
      }),
    );
  }
  if (drift.cors?.length) {
    await s3.send(
      new m.PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: drift.cors } }),
    );
  } else if (drift.cors) {
    await s3.send(new m.DeleteBucketCorsCommand({ Bucket: bucket }));
  }
  if (drift.lifecycle?.length) {
    await s3.send(
      new m.PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: drift.lifecycle },
      }),
    );
  } else if (drift.lifecycle) {
    await s3.send(new m.DeleteBucketLifecycleCommand({ Bucket: bucket }));
  }
}

import * as z from "zod";
import { bool, fail, formatString, lazy, table } from "./base.js";
import { djangoSchema } from "./django.js";

/** Stage names become Docker image tags: the reference's pattern, 128 characters at most. */
const STAGE_NAME = /^[a-z0-9][a-z0-9._-]*$/;

export const generalSchema = lazy(() =>
  table({
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'must be an AWS region code, e.g. "ap-northeast-1"' }),
    stages: z
      .array(
        z.string().max(128).regex(STAGE_NAME, {
          error: "must be lower case letters, digits, '.', '_' or '-', starting with a letter or digit",
        }),
      )
      .min(1, { error: "needs at least one stage" }),
    namespace: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, { error: "may only contain lower case letters, digits and -" })
      .default("pocket"),
    project_name: z.string().min(1).optional(),
    prefix_template: formatString("{stage}-{project}-{namespace}-"),
    s3_fallback_bucket_name: z.string().min(3).optional(),
    // Absent means Django's own defaults (filesystem storages, a locmem cache).
    django_fallback: djangoSchema().prefault({}),
  }),
);
export type GeneralSettings = z.output<ReturnType<typeof generalSchema>>;

const cors = table({
  allowed_origins: z
    .array(
      z
        .string()
        .regex(/^(\*|https?:\/\/[^\s/]+)$/, { error: 'must be "*" or an origin like "https://example.com"' }),
    )
    .min(1),
  allowed_methods: z.array(z.enum(["GET", "PUT", "POST", "DELETE", "HEAD"])).min(1),
  allowed_headers: z.array(z.string().min(1)).default([]),
  max_age: z.int().min(0).max(2_147_483_647).optional(),
});

const lifecycleRule = table({
  id: z.string().min(1).max(255),
  /** Key prefix in the bucket; "" (the default) is the whole bucket. */
  prefix: z.string().default(""),
  expiration_days: z.int().min(1).optional(),
  noncurrent_version_expiration_days: z.int().min(1).optional(),
}).superRefine((r, ctx) => {
  if (r.expirationDays === undefined && r.noncurrentVersionExpirationDays === undefined) {
    fail(
      ctx,
      "lifecycle-rule-empty",
      `lifecycle rule "${r.id}" expires nothing: set expiration_days or noncurrent_version_expiration_days`,
      [],
    );
  }
});

export const s3Schema = lazy(() =>
  table({
    bucket_name_format: formatString("{stage}-{project}-{namespace}", /^[a-z0-9{][{}a-z0-9._-]*$/),
    versioning: bool(false),
    cors: z.array(cors).max(100).default([]),
    lifecycle_rules: z.array(lifecycleRule).max(1000).default([]),
  }).superRefine((s, ctx) => {
    const ids = new Set<string>();
    s.lifecycleRules.forEach((r, i) => {
      if (ids.has(r.id))
        fail(ctx, "lifecycle-rule-duplicate", `lifecycle rule id "${r.id}" is used twice`, [
          "lifecycle_rules",
          i,
          "id",
        ]);
      ids.add(r.id);
      if (r.noncurrentVersionExpirationDays !== undefined && !s.versioning) {
        fail(
          ctx,
          "lifecycle-noncurrent-versioning",
          `lifecycle rule "${r.id}" expires noncurrent versions, but versioning is off`,
          ["lifecycle_rules", i, "noncurrent_version_expiration_days"],
          "Set versioning = true in [s3], or remove noncurrent_version_expiration_days.",
        );
      }
    });
  }),
);
export type S3Settings = z.output<ReturnType<typeof s3Schema>>;

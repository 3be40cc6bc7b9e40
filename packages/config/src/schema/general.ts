import * as z from "zod/mini";
import { bool, fail, formatString, int, lazy, listLazy, needsOneOf, nonEmpty, table } from "./base.js";
import { djangoSchema } from "./django.js";
import { previewChecks, previewStagesSchema } from "./preview.js";

/** Stage names become Docker image tags: the reference's pattern, 128 characters at most. */
export const STAGE_NAME = /^[a-z0-9][a-z0-9._-]*$/;

export const generalSchema = lazy(() =>
  table({
    region: z
      .string()
      .check(
        z.regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'must be an AWS region code, e.g. "ap-northeast-1"' }),
      ),
    stages: z
      .array(
        z.string().check(
          z.maxLength(128),
          z.regex(STAGE_NAME, {
            error: "must be lower case letters, digits, '.', '_' or '-', starting with a letter or digit",
          }),
        ),
      )
      .check(z.minLength(1, { error: "needs at least one stage" })),
    namespace: z._default(
      z
        .string()
        .check(
          z.regex(/^[a-z0-9][a-z0-9-]*$/, { error: "may only contain lower case letters, digits and -" }),
        ),
      "pocket",
    ),
    project_name: z.optional(nonEmpty),
    prefix_template: formatString("{stage}-{project}-{namespace}-"),
    s3_fallback_bucket_name: z.optional(z.string().check(z.minLength(3))),
    // Absent means Django's own defaults (filesystem storages, a locmem cache).
    django_fallback: z.prefault(djangoSchema(), {}),
    preview_stages: z.optional(previewStagesSchema),
    preview_base: z.optional(z.string()),
  }).check(previewChecks),
);
export type GeneralSettings = z.output<ReturnType<typeof generalSchema>>;

const cors = lazy(() =>
  table({
    allowed_origins: z
      .array(
        z.string().check(
          z.regex(/^(\*|https?:\/\/[^\s/]+)$/, {
            error: 'must be "*" or an origin like "https://example.com"',
          }),
        ),
      )
      .check(z.minLength(1)),
    allowed_methods: z.array(z.enum(["GET", "PUT", "POST", "DELETE", "HEAD"])).check(z.minLength(1)),
    allowed_headers: z._default(z.array(nonEmpty), []),
    max_age: z.optional(int(0, 2_147_483_647)),
  }),
);
const lifecycleRule = lazy(() =>
  table({
    id: z.string().check(z.minLength(1), z.maxLength(255)),
    /** Key prefix in the bucket; "" (the default) is the whole bucket. */
    prefix: z._default(z.string(), ""),
    expiration_days: z.optional(z.int().check(z.gte(1))),
    noncurrent_version_expiration_days: z.optional(z.int().check(z.gte(1))),
  }).check(
    needsOneOf(
      ["expirationDays", "noncurrentVersionExpirationDays"],
      "lifecycle-rule-empty",
      (r) =>
        `lifecycle rule "${r.id}" expires nothing: set expiration_days or noncurrent_version_expiration_days`,
    ),
  ),
);
export const s3Schema = lazy(() =>
  table({
    bucket_name_format: formatString("{stage}-{project}-{namespace}", /^[a-z0-9{][{}a-z0-9._-]*$/),
    versioning: bool(false),
    cors: listLazy(() => z.array(cors()).check(z.maxLength(100))),
    lifecycle_rules: listLazy(() => z.array(lifecycleRule()).check(z.maxLength(1000))),
  }).check(
    z.superRefine((s, ctx) => {
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
  ),
);
export type S3Settings = z.output<ReturnType<typeof s3Schema>>;

import * as z from "zod";
import { formatString, lazy, table } from "./base.js";
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

export const s3Schema = lazy(() =>
  table({
    bucket_name_format: formatString("{stage}-{project}-{namespace}", /^[a-z0-9{][{}a-z0-9._-]*$/),
  }),
);
export type S3Settings = z.output<ReturnType<typeof s3Schema>>;

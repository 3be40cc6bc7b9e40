import { bucketResource } from "../bucket-resource.js";
import { resourceKind } from "../resource.js";
import { s3Permissions } from "./permissions.js";

/** `[s3]`: the app's private bucket (uploads, static files, front ends). */
export default resourceKind({
  group: "s3",
  noun: "the [s3] bucket",
  description: "the [s3] bucket: the app's private uploads, static files and front ends",
  section: "[s3]",
  permissions: s3Permissions,
  keeps: { withData: "also delete the bucket's contents (kept if not empty otherwise)" },
  create: (ctx) =>
    ctx.s3
      ? [
          bucketResource({
            id: "s3",
            title: `S3 bucket ${ctx.s3.bucketName}`,
            group: "s3",
            bucket: ctx.s3.bucketName,
            region: ctx.s3.region,
            dependsOn: ["state"],
            keep: { unless: "withData", whenEmpty: "delete" },
            settings: ctx.s3,
          }),
        ]
      : [],
});

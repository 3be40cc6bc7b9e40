import type { KindPermissions } from "../permissions.js";

/** The `[s3]` bucket: created, configured and emptied by pocket (bucket and object calls). */
export const s3Permissions: KindPermissions = {
  forStage: (ctx) => ({ buckets: [ctx.s3?.bucketName] }),
};

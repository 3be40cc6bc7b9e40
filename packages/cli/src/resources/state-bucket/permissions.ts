import type { KindPermissions } from "../permissions.js";

/** The state bucket holds the lock, build archives and records (bucket and object calls). */
export const stateBucketPermissions: KindPermissions = {
  forStage: (ctx) => ({ buckets: [ctx.stateBucket] }),
};

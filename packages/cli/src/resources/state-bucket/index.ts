import { bucketResource } from "../bucket-resource.js";
import { resourceKind } from "../resource.js";
import { stateBucketPermissions } from "./permissions.js";

/**
 * The stage's state bucket: deploy locks, build archives and records. First of everything,
 * since the stage lock lives in it; kept by destroy unless --with-state-bucket.
 */
export default resourceKind({
  group: "state",
  noun: "the state bucket",
  description: "the stage's state bucket (locks, build archives, records)",
  section: "[general]",
  permissions: stateBucketPermissions,
  keeps: { withStateBucket: "also delete the state bucket (kept by default)" },
  create: (ctx) => [
    bucketResource({
      id: "state",
      title: `state bucket ${ctx.stateBucket}`,
      group: "state",
      bucket: ctx.stateBucket,
      region: ctx.region,
      dependsOn: [],
      holdsLock: true,
      keep: { unless: "withStateBucket" },
    }),
  ],
});

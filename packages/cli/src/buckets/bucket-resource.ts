import type { Keep, Resource } from "../resources/resource.js";
import {
  blockPublicAccess,
  blocksPublicAccess,
  bucketState,
  createBucket,
  deleteBucket,
  hasObjects,
} from "./bucket.js";

const TAKEN_HINT =
  "Bucket names are global across AWS accounts. Change general.namespace (or the bucket name format) so the name is yours.";

/**
 * A private bucket: created with all public access blocked, repaired if someone loosened it.
 * What destroy keeps is the engine's call, from `keep`; with `onlyIfEmpty` a bucket that still
 * holds objects is left alone.
 */
export function bucketResource(o: {
  id: string;
  title: string;
  group: string;
  bucket: string;
  region: string;
  dependsOn: string[];
  keep: Keep;
  holdsLock?: boolean;
}): Resource {
  const { bucket, region } = o;
  const outputs = { bucketName: bucket };
  return {
    id: o.id,
    title: o.title,
    group: o.group,
    dependsOn: o.dependsOn,
    keep: o.keep,
    holdsLock: o.holdsLock,
    async status(run) {
      const s3 = await run.aws(region).s3();
      if ((await bucketState(s3, bucket, TAKEN_HINT)) === "missing") return { state: "missing" };
      if (!(await blocksPublicAccess(s3, bucket))) {
        return { state: "needs-update", detail: "public access is not fully blocked" };
      }
      return { state: "in-sync" };
    },
    async plan(run) {
      const status = await this.status(run);
      if (status.state === "missing") return [{ action: "create", target: `S3 bucket ${bucket}` }];
      if (status.state === "needs-update") {
        return [{ action: "update", target: `S3 bucket ${bucket}`, detail: "block all public access" }];
      }
      return [];
    },
    async deploy(run, progress) {
      const s3 = await run.aws(region).s3();
      if ((await bucketState(s3, bucket, TAKEN_HINT)) === "missing") {
        progress.update("creating");
        await createBucket(s3, bucket, region);
        return { changed: true, summary: "created", outputs };
      }
      if (!(await blocksPublicAccess(s3, bucket))) {
        await blockPublicAccess(s3, bucket);
        return { changed: true, summary: "public access blocked", outputs };
      }
      return { changed: false, summary: "no changes", outputs };
    },
    async destroy(run, progress, { onlyIfEmpty }) {
      const s3 = await run.aws(region).s3();
      if ((await bucketState(s3, bucket, TAKEN_HINT)) === "missing")
        return { changed: false, summary: "already absent" };
      if (onlyIfEmpty && (await hasObjects(s3, bucket))) {
        progress.log(`kept ${bucket}: it holds objects (pass --with-data to delete it and everything in it)`);
        return { changed: false, summary: "kept (not empty; no --with-data)" };
      }
      progress.update("emptying and deleting");
      const n = await deleteBucket(s3, bucket);
      return { changed: true, summary: `deleted (${n} objects)` };
    },
  };
}

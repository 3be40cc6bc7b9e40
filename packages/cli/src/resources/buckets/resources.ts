import type { Resource } from "../resource.js";
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

/** A private bucket: created with all public access blocked, repaired if someone loosened it. */
function bucketResource(options: {
  id: string;
  title: string;
  bucket: string;
  region: string;
  dataStore: "data" | "state";
  /** Which destroy flag deletes it, for the message when it is kept. */
  flag: string;
  deleteAllowed: (o: { withData: boolean; withStateBucket: boolean }) => boolean;
}): Resource {
  const { bucket, region } = options;
  return {
    id: options.id,
    title: options.title,
    dependsOn: options.id === "state" ? [] : ["state"],
    dataStore: options.dataStore,
    destroyNote: (o) =>
      options.dataStore === "data" && !o.withData
        ? "only if empty; --with-data deletes its contents"
        : undefined,
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
        return { changed: true, summary: "created", outputs: { bucketName: bucket } };
      }
      if (!(await blocksPublicAccess(s3, bucket))) {
        await blockPublicAccess(s3, bucket);
        return { changed: true, summary: "public access blocked", outputs: { bucketName: bucket } };
      }
      return { changed: false, summary: "no changes", outputs: { bucketName: bucket } };
    },
    async destroy(run, progress, destroyOptions) {
      const s3 = await run.aws(region).s3();
      if ((await bucketState(s3, bucket, TAKEN_HINT)) === "missing")
        return { changed: false, summary: "already absent" };
      if (!options.deleteAllowed(destroyOptions)) {
        const empty = !(await hasObjects(s3, bucket));
        if (!(empty && options.dataStore === "data")) {
          progress.log(`kept ${bucket} (pass ${options.flag} to delete it and everything in it)`);
          return { changed: false, summary: `kept (no ${options.flag})` };
        }
      }
      progress.update("emptying and deleting");
      const n = await deleteBucket(s3, bucket);
      return { changed: true, summary: `deleted (${n} objects)` };
    },
  };
}

export function stateBucketResource(bucket: string, region: string): Resource {
  return bucketResource({
    id: "state",
    title: `state bucket ${bucket}`,
    bucket,
    region,
    dataStore: "state",
    flag: "--with-state-bucket",
    deleteAllowed: (o) => o.withStateBucket,
  });
}

export function s3Resource(bucket: string, region: string): Resource {
  return bucketResource({
    id: "s3",
    title: `S3 bucket ${bucket}`,
    bucket,
    region,
    dataStore: "data",
    flag: "--with-data",
    deleteAllowed: (o) => o.withData,
  });
}

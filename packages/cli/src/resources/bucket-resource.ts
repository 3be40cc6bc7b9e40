import {
  blockPublicAccess,
  blocksPublicAccess,
  bucketState,
  createBucket,
  deleteBucket,
  hasObjects,
} from "../buckets/bucket.js";
import {
  applySettings,
  type BucketSettings,
  type CurrentSettings,
  readSettings,
  settingsDrift,
} from "../buckets/bucket-settings.js";
import type {
  Change,
  DeployReport,
  Keep,
  Progress,
  Resource,
  ResourceStatus,
  RunContext,
} from "./resource.js";

/** A bucket's settings before pocket sets any. */
const EMPTY: CurrentSettings = { versioning: "Never", cors: [], lifecycle: [] };

const TAKEN_HINT =
  "Bucket names are global across AWS accounts. Change general.namespace (or the bucket name format) so the name is yours.";

/**
 * A private bucket: created with all public access blocked, repaired if someone loosened it.
 * What destroy keeps is the engine's call, from `keep`; with `onlyIfEmpty` a bucket that still
 * holds objects is left alone.
 */
export interface BucketResourceOptions {
  id: string;
  title: string;
  group: string;
  bucket: string;
  region: string;
  dependsOn: string[];
  keep: Keep;
  holdsLock?: boolean;
  /** `[s3]` versioning, cors and lifecycle rules, reconciled on deploy (the app bucket only). */
  settings?: BucketSettings;
}

export function bucketResource(o: BucketResourceOptions): Resource {
  const { bucket, region } = o;
  return {
    id: o.id,
    title: o.title,
    group: o.group,
    dependsOn: o.dependsOn,
    keep: o.keep,
    holdsLock: o.holdsLock,
    status: (run) => bucketStatus(o, run),
    plan: (run) => bucketChanges(o, run),
    deploy: (run, progress) => deployBucket(o, run, progress),
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

async function bucketStatus(o: BucketResourceOptions, run: RunContext): Promise<ResourceStatus> {
  const s3 = await run.aws(o.region).s3();
  // One round trip, not three: the settings are asked with the bucket's existence, and their
  // answers (a missing bucket's errors included) are read only when the bucket is there.
  const blocks = settled(blocksPublicAccess(s3, o.bucket));
  const settings = o.settings ? settled(readSettings(s3, o.bucket)) : undefined;
  if ((await bucketState(s3, o.bucket, TAKEN_HINT)) === "missing") return { state: "missing" };
  const problems: string[] = [];
  if (!(await blocks)()) problems.push("public access is not fully blocked");
  if (o.settings) problems.push(...settingsDrift((await settings!)(), o.settings).details);
  if (problems.length > 0) return { state: "needs-update", detail: problems.join("; ") };
  return { state: "in-sync" };
}

async function bucketChanges(o: BucketResourceOptions, run: RunContext): Promise<Change[]> {
  const { bucket } = o;
  const s3 = await run.aws(o.region).s3();
  if ((await bucketState(s3, bucket, TAKEN_HINT)) === "missing") {
    const extra = o.settings ? settingsDrift(EMPTY, o.settings).details : [];
    return [
      {
        action: "create",
        target: `S3 bucket ${bucket}`,
        ...(extra.length ? { detail: extra.join("; ") } : {}),
      },
    ];
  }
  const changes: Change[] = [];
  if (!(await blocksPublicAccess(s3, bucket))) {
    changes.push({ action: "update", target: `S3 bucket ${bucket}`, detail: "block all public access" });
  }
  if (o.settings) {
    for (const detail of settingsDrift(await readSettings(s3, bucket), o.settings).details)
      changes.push({ action: "update", target: `S3 bucket ${bucket}`, detail });
  }
  return changes;
}

async function deployBucket(
  o: BucketResourceOptions,
  run: RunContext,
  progress: Progress,
): Promise<DeployReport> {
  const { bucket, region } = o;
  const outputs = { bucketName: bucket };
  const s3 = await run.aws(region).s3();
  const done: string[] = [];
  let created = false;
  // Asked with the bucket's existence (as in bucketStatus), read only when it exists.
  const blocks = settled(blocksPublicAccess(s3, bucket));
  const current = o.settings ? settled(readSettings(s3, bucket)) : undefined;
  if ((await bucketState(s3, bucket, TAKEN_HINT)) === "missing") {
    progress.update("creating");
    await createBucket(s3, bucket, region);
    created = true;
    done.push("created");
  } else if (!(await blocks)()) {
    await blockPublicAccess(s3, bucket);
    done.push("public access blocked");
  }
  if (o.settings) {
    // A new bucket has none of the settings: no need to read them back.
    const drift = settingsDrift(created ? EMPTY : (await current!)(), o.settings);
    if (drift.details.length > 0) {
      progress.update(drift.details.join("; "));
      await applySettings(s3, bucket, drift);
      if (!created) done.push(...drift.details);
    }
  }
  if (done.length === 0) return { changed: false, summary: "no changes", outputs };
  return { changed: true, summary: done.join("; "), outputs };
}

/** A call started now whose outcome is read later: its value, or its error thrown then. */
function settled<T>(call: Promise<T>): Promise<() => T> {
  return call.then(
    (value) => () => value,
    (error: unknown) => () => {
      throw error;
    },
  );
}

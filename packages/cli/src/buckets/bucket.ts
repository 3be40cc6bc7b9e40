import type { S3Client } from "@aws-sdk/client-s3";
import { awsErrorName } from "../aws/errors.js";
import { CliError } from "../errors.js";

/** The public-access block every pocket bucket gets: nothing in them is ever public. */
export const BLOCK_ALL = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
} as const;

export type BucketState = "missing" | "ours";

/**
 * HeadBucket: 404 means free; 403 means the name belongs to another account (bucket names are
 * global), which the user can only fix by choosing another name.
 */
export async function bucketState(s3: S3Client, bucket: string, hint: string): Promise<BucketState> {
  const { HeadBucketCommand } = await import("@aws-sdk/client-s3");
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return "ours";
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    if (status === 404 || e.name === "NotFound" || e.name === "NoSuchBucket") return "missing";
    if (status === 403) {
      throw new CliError("bucket-taken", `S3 bucket ${bucket} belongs to another AWS account.`, {
        hint,
      });
    }
    throw error;
  }
}

export async function createBucket(s3: S3Client, bucket: string, region: string): Promise<void> {
  const { CreateBucketCommand, PutPublicAccessBlockCommand } = await import("@aws-sdk/client-s3");
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 is the one region that rejects an explicit location constraint.
        ...(region === "us-east-1"
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: region as "ap-northeast-1" } }),
      }),
    );
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === "BucketAlreadyExists") {
      throw new CliError("bucket-taken", `the S3 bucket name ${bucket} is taken by another AWS account.`, {
        hint: "Bucket names are global. Change general.namespace (or s3.bucket_name_format) and deploy again.",
      });
    }
    if (name !== "BucketAlreadyOwnedByYou") throw error;
  }
  await s3.send(
    new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: BLOCK_ALL }),
  );
}

/** True when all four public-access flags are on; a bucket without a configuration is not. */
export async function blocksPublicAccess(s3: S3Client, bucket: string): Promise<boolean> {
  const { GetPublicAccessBlockCommand } = await import("@aws-sdk/client-s3");
  try {
    const out = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    const c = out.PublicAccessBlockConfiguration ?? {};
    return Object.keys(BLOCK_ALL).every((k) => c[k as keyof typeof BLOCK_ALL] === true);
  } catch (error) {
    if ((error as { name?: string }).name === "NoSuchPublicAccessBlockConfiguration") return false;
    throw error;
  }
}

export async function blockPublicAccess(s3: S3Client, bucket: string): Promise<void> {
  const { PutPublicAccessBlockCommand } = await import("@aws-sdk/client-s3");
  await s3.send(
    new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: BLOCK_ALL }),
  );
}

/** Number of objects (stops counting at one page: enough to say "not empty"). */
export async function hasObjects(s3: S3Client, bucket: string): Promise<boolean> {
  const { ListObjectVersionsCommand } = await import("@aws-sdk/client-s3");
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1 }));
  return (out.Versions?.length ?? 0) + (out.DeleteMarkers?.length ?? 0) > 0;
}

/** Deletes every object version and delete marker, page by page, then the bucket. */
export async function deleteBucket(s3: S3Client, bucket: string): Promise<number> {
  const { DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand } = await import(
    "@aws-sdk/client-s3"
  );
  let deleted = 0;
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key!,
      VersionId: v.VersionId,
    }));
    if (objects.length > 0) {
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
      deleted += objects.length;
    }
    if (!page.IsTruncated) break;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
  try {
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (error) {
    // The SDK retries a DeleteBucket whose answer was lost; the retry then finds the bucket gone,
    // which is the state this function exists to reach.
    if (awsErrorName(error) !== "NoSuchBucket") throw error;
  }
  return deleted;
}

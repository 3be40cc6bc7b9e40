import type { CloudFrontContext, PocketContext } from "@magic-pocket/config";
import { awsErrorName } from "../../aws/errors.js";
import { bucketObject } from "../../buckets/object.js";
import { printable } from "../../util/printable.js";
import type { RunContext } from "../resource.js";

/**
 * An invalidation a distribution is owed (docs/decisions.md#p7-front-end-upload): recorded in the
 * state bucket before the front end's files change, removed once CreateInvalidation succeeded.
 * A run that stops in between (the call failed, Ctrl-C) leaves the record; status reports it and
 * the next deploy finishes it, even when no file changed since.
 */
export interface PendingInvalidation {
  distributionId: string;
  paths: string[];
  /** When the files began to change (ISO 8601). */
  since: string;
}

/** What a front-end upload invalidates: everything (one path is one invalidation to pay for). */
export const INVALIDATION_PATHS = ["/*"];

export function pendingInvalidationKey(stage: string, distribution: string): string {
  return `invalidations/${stage}/${distribution}.json`;
}

export function pendingInvalidation(run: RunContext, ctx: PocketContext, cf: CloudFrontContext) {
  const object = bucketObject(
    run.aws(ctx.region),
    ctx.stateBucket,
    pendingInvalidationKey(ctx.stage, cf.name),
  );
  return {
    /** The record, if a run left one (a missing state bucket holds none). */
    async read(): Promise<PendingInvalidation | undefined> {
      const value = await object.readJson<Partial<PendingInvalidation>>();
      if (!value || typeof value !== "object") return undefined;
      // Written by another run, maybe another machine: keep only what has the expected shape.
      const paths = Array.isArray(value.paths)
        ? value.paths.filter((p): p is string => typeof p === "string" && /^\/[\x21-\x7e]*$/.test(p))
        : [];
      return {
        distributionId: typeof value.distributionId === "string" ? value.distributionId : "",
        paths: paths.length > 0 ? paths : INVALIDATION_PATHS,
        since: typeof value.since === "string" ? printable(value.since) : "an earlier deploy",
      };
    },
    /** False when there is no state bucket to hold it (a stage whose state bucket was never made). */
    async record(value: PendingInvalidation): Promise<boolean> {
      try {
        await object.writeJson(value);
        return true;
      } catch (error) {
        if (awsErrorName(error) === "NoSuchBucket") return false;
        throw error;
      }
    },
    async clear(): Promise<void> {
      await object.remove();
    },
  };
}

/** For status and plan: "invalidation of /* pending since ...". */
export function describePending(p: PendingInvalidation): string {
  return `invalidation of ${p.paths.join(" ")} pending since ${p.since}`;
}

/** One CreateInvalidation for `paths` (a new caller reference: a retry is a new request). */
export async function createInvalidation(
  run: RunContext,
  distributionId: string,
  paths: string[],
): Promise<void> {
  const { CreateInvalidationCommand } = await import("@aws-sdk/client-cloudfront");
  await (await run.aws("us-east-1").cloudfront()).send(
    new CreateInvalidationCommand({
      DistributionId: distributionId,
      InvalidationBatch: {
        CallerReference: `pocket-${Date.now()}`,
        Paths: { Quantity: paths.length, Items: paths },
      },
    }),
  );
}

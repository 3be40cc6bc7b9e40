import { setTimeout as delay } from "node:timers/promises";
import type { CloudFrontContext } from "@magic-pocket/config";
import { accountId } from "../../aws/clients.js";
import { awsErrorName } from "../../aws/errors.js";
import { callerPartition } from "../../aws/partition.js";
import { CliError } from "../../errors.js";
import { bucketPolicyStatement } from "../../templates/cloudfront.js";
import type { Progress, RunContext } from "../resource.js";

interface Policy {
  Version?: string;
  Statement: Record<string, unknown>[];
}

/**
 * A bucket policy is one document: updating it is read, modify, write. Distributions of a stage
 * deploy in parallel and share the `[s3]` bucket, so two updates would each write back the
 * policy they read and drop the other's statement. Updates of one bucket therefore run one after
 * another in this process (a promise chain per bucket), and each checks after writing that its
 * change is what S3 now holds, starting over from a fresh read when something else (another
 * process, S3's own "conflicting operation" answer) got in between.
 */
const chains = new Map<string, Promise<unknown>>();

function serialised<T>(bucket: string, work: () => Promise<T>): Promise<T> {
  const previous = chains.get(bucket) ?? Promise.resolve();
  const next = previous.then(work, work);
  // The chain only orders the work; a failure is reported to its own caller, not to the next.
  chains.set(
    bucket,
    next.catch(() => undefined),
  );
  return next;
}

const ATTEMPTS = 5;

/** S3 answers a policy write that raced another one with 409 OperationAborted. */
const conflict = (error: unknown) => {
  const name = awsErrorName(error);
  return name === "OperationAborted" || name === "ConflictException";
};

/**
 * Applies `change` to the bucket's current policy and writes the result, until a read-back shows
 * `holds` is true of what S3 stores. `change` returns undefined when nothing needs writing.
 */
async function updatePolicy(
  run: RunContext,
  cf: CloudFrontContext,
  change: (policy: Policy | undefined) => Policy | null | undefined,
  holds: (policy: Policy | undefined) => boolean,
  progress: Progress,
  doing: string,
): Promise<boolean> {
  return serialised(cf.bucketName, async () => {
    const s3 = await run.aws(cf.bucketRegion).s3();
    const { DeleteBucketPolicyCommand, PutBucketPolicyCommand } = await import("@aws-sdk/client-s3");
    let wrote = false;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const wanted = change(await readPolicy(run, cf));
      if (wanted === undefined) return wrote;
      progress.update(doing);
      try {
        if (wanted === null) await s3.send(new DeleteBucketPolicyCommand({ Bucket: cf.bucketName }));
        else
          await s3.send(
            new PutBucketPolicyCommand({ Bucket: cf.bucketName, Policy: JSON.stringify(wanted) }),
          );
        wrote = true;
      } catch (error) {
        if (!conflict(error)) throw error;
      }
      if (holds(await readPolicy(run, cf))) return wrote;
      await delay(Math.min(200 * 2 ** attempt, 3000) * run.timing.policyRetryScale);
    }
    throw new CliError(
      "bucket-policy-conflict",
      `s3://${cf.bucketName}: the bucket policy kept changing under pocket while ${doing} (${ATTEMPTS} attempts).`,
      {
        hint: "Something else is rewriting this bucket's policy at the same time (another deploy, or a tool that manages the policy). Let it finish, then deploy again.",
      },
    );
  });
}

/**
 * The distribution's read grant in the `[s3]` bucket policy, added next to whatever else the
 * policy holds (several distributions share one bucket). Statements are matched by Sid, so a
 * recreated distribution replaces its old grant instead of piling up stale ones.
 */
export async function ensureBucketPolicyStatement(
  run: RunContext,
  cf: CloudFrontContext,
  distributionId: string,
  progress: Progress,
): Promise<boolean> {
  const clients = run.aws(cf.bucketRegion);
  const [account, partition] = await Promise.all([accountId(clients), callerPartition(clients)]);
  const wanted = bucketPolicyStatement(cf, account, distributionId, partition);
  const present = (policy: Policy | undefined) => {
    const current = policy?.Statement.find((s) => s.Sid === wanted.Sid);
    return (
      current !== undefined &&
      JSON.stringify(current) === JSON.stringify(wanted) &&
      policy?.Version === "2012-10-17"
    );
  };
  return updatePolicy(
    run,
    cf,
    (policy) =>
      present(policy)
        ? undefined
        : {
            ...policy,
            Version: "2012-10-17",
            Statement: [...(policy?.Statement ?? []).filter((s) => s.Sid !== wanted.Sid), wanted],
          },
    present,
    progress,
    `granting CloudFront read access on ${cf.bucketName}`,
  );
}

export async function removeBucketPolicyStatement(
  run: RunContext,
  cf: CloudFrontContext,
  progress: Progress,
): Promise<void> {
  const absent = (policy: Policy | undefined) => !policy?.Statement.some((s) => s.Sid === cf.bucketPolicySid);
  await updatePolicy(
    run,
    cf,
    (policy) => {
      if (absent(policy)) return undefined;
      const rest = policy!.Statement.filter((s) => s.Sid !== cf.bucketPolicySid);
      return rest.length === 0 ? null : { ...policy!, Statement: rest };
    },
    absent,
    progress,
    `removing the CloudFront grant from ${cf.bucketName}`,
  );
}

/** The `[s3]` bucket's policy as a distribution's deploy reads it (also asked ahead: distribution.ts). */
export async function readPolicy(run: RunContext, cf: CloudFrontContext): Promise<Policy | undefined> {
  const { GetBucketPolicyCommand } = await import("@aws-sdk/client-s3");
  try {
    const out = await (await run.aws(cf.bucketRegion).s3()).send(
      new GetBucketPolicyCommand({ Bucket: cf.bucketName }),
    );
    const parsed = JSON.parse(out.Policy ?? "{}") as Partial<Policy>;
    return { Version: parsed.Version, Statement: parsed.Statement ?? [] };
  } catch (error) {
    const name = awsErrorName(error);
    if (name === "NoSuchBucketPolicy" || name === "NoSuchBucket") return undefined;
    throw error;
  }
}

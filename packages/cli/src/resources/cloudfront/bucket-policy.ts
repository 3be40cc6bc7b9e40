import type { CloudFrontContext } from "@magic-pocket/config";
import { accountId } from "../../aws/clients.js";
import { awsErrorName } from "../../aws/errors.js";
import { bucketPolicyStatement } from "../../templates/cloudfront.js";
import type { Progress, RunContext } from "../resource.js";

interface Policy {
  Version?: string;
  Statement: Record<string, unknown>[];
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
  const wanted = bucketPolicyStatement(cf, await accountId(clients), distributionId);
  const policy = (await readPolicy(run, cf)) ?? { Version: "2012-10-17", Statement: [] };
  const current = policy.Statement.find((s) => s.Sid === wanted.Sid);
  if (current && JSON.stringify(current) === JSON.stringify(wanted) && policy.Version === "2012-10-17")
    return false;
  policy.Version = "2012-10-17";
  policy.Statement = [...policy.Statement.filter((s) => s.Sid !== wanted.Sid), wanted];
  progress.update(`granting CloudFront read access on ${cf.bucketName}`);
  const { PutBucketPolicyCommand } = await import("@aws-sdk/client-s3");
  await (await clients.s3()).send(
    new PutBucketPolicyCommand({ Bucket: cf.bucketName, Policy: JSON.stringify(policy) }),
  );
  return true;
}

export async function removeBucketPolicyStatement(
  run: RunContext,
  cf: CloudFrontContext,
  progress: Progress,
) {
  const policy = await readPolicy(run, cf);
  if (!policy?.Statement.some((s) => s.Sid === cf.bucketPolicySid)) return;
  const clients = run.aws(cf.bucketRegion);
  const s3 = await clients.s3();
  const rest = policy.Statement.filter((s) => s.Sid !== cf.bucketPolicySid);
  progress.update(`removing the CloudFront grant from ${cf.bucketName}`);
  const { DeleteBucketPolicyCommand, PutBucketPolicyCommand } = await import("@aws-sdk/client-s3");
  if (rest.length === 0) await s3.send(new DeleteBucketPolicyCommand({ Bucket: cf.bucketName }));
  else
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: cf.bucketName,
        Policy: JSON.stringify({ ...policy, Statement: rest }),
      }),
    );
}

async function readPolicy(run: RunContext, cf: CloudFrontContext): Promise<Policy | undefined> {
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

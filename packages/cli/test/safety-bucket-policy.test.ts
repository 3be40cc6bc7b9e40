import type { CloudFrontContext } from "@magic-pocket/config";
import { describe, expect, it } from "vitest";
import type { AwsClients } from "../src/aws/clients.js";
import {
  ensureBucketPolicyStatement,
  removeBucketPolicyStatement,
} from "../src/resources/cloudfront/bucket-policy.js";
import type { RunContext } from "../src/resources/resource.js";

/*
 * A fake S3 bucket policy with S3's behaviour where it matters here: each call takes a few
 * milliseconds (so two read-modify-writes interleave as they do on the network), a write
 * replaces the whole document, and a hook lets a test play "someone else" writing in between.
 */
interface Statement {
  Sid: string;
  [key: string]: unknown;
}
class FakeBucket {
  policy: string | undefined;
  puts = 0;
  onPut?: (n: number) => "abort" | undefined;
  afterPut?: (n: number) => void;
  async send(command: { constructor: { name: string }; input: { Policy?: string } }): Promise<unknown> {
    await new Promise((r) => setTimeout(r, 5));
    switch (command.constructor.name) {
      case "GetBucketPolicyCommand":
        if (this.policy === undefined)
          throw Object.assign(new Error("The bucket policy does not exist"), { name: "NoSuchBucketPolicy" });
        return { Policy: this.policy };
      case "PutBucketPolicyCommand": {
        const n = ++this.puts;
        if (this.onPut?.(n) === "abort")
          throw Object.assign(new Error("A conflicting conditional operation is currently in progress"), {
            name: "OperationAborted",
          });
        this.policy = command.input.Policy;
        this.afterPut?.(n);
        return {};
      }
      case "DeleteBucketPolicyCommand":
        this.policy = undefined;
        return {};
      default:
        throw new Error(`unexpected ${command.constructor.name}`);
    }
  }
  sids(): string[] {
    return (JSON.parse(this.policy ?? '{"Statement":[]}') as { Statement: Statement[] }).Statement.map(
      (s) => s.Sid,
    ).sort();
  }
  statements(): Statement[] {
    return (JSON.parse(this.policy ?? '{"Statement":[]}') as { Statement: Statement[] }).Statement;
  }
}

function runOn(bucket: FakeBucket): RunContext {
  const clients = {
    region: "ap-northeast-1",
    s3: async () => bucket,
    sts: async () => ({
      send: async () => ({ Account: "123456789012", Arn: "arn:aws-cn:iam::123456789012:user/deployer" }),
    }),
  } as unknown as AwsClients;
  // Retries wait a hundredth of what they would on AWS.
  return { aws: () => clients, timing: { policyRetryScale: 0.01 } } as unknown as RunContext;
}

const distribution = (name: string, prefix: string) =>
  ({
    name,
    bucketName: "dev-shop-pocket",
    bucketRegion: "cn-north-1",
    bucketPolicySid: `PocketCloudFront${name}`,
    bucketPolicyPrefix: prefix,
  }) as unknown as CloudFrontContext;

const progress = { update: () => {}, log: () => {} };

describe("issue 11 items 17 and 18: the CloudFront grant in the shared bucket policy", () => {
  it("keeps both grants when two distributions update the policy at the same time", async () => {
    const bucket = new FakeBucket();
    const run = runOn(bucket);
    await Promise.all([
      ensureBucketPolicyStatement(run, distribution("Main", "/spa"), "E1", progress),
      ensureBucketPolicyStatement(run, distribution("Media", "/media"), "E2", progress),
    ]);
    expect(bucket.sids()).toEqual(["PocketCloudFrontMain", "PocketCloudFrontMedia"]);
  });

  it("builds the grant's ARNs in the caller's partition", async () => {
    const bucket = new FakeBucket();
    await ensureBucketPolicyStatement(runOn(bucket), distribution("Main", "/spa"), "E1", progress);
    expect(bucket.statements()[0]).toMatchObject({
      Resource: "arn:aws-cn:s3:::dev-shop-pocket/spa/*",
      Condition: { StringEquals: { "AWS:SourceArn": "arn:aws-cn:cloudfront::123456789012:distribution/E1" } },
    });
  });

  it("starts over from a fresh read when another writer replaced the policy right after pocket's write", async () => {
    const bucket = new FakeBucket();
    const other = {
      Sid: "SomeoneElse",
      Effect: "Allow",
      Principal: "*",
      Action: "s3:GetObject",
      Resource: "x",
    };
    bucket.afterPut = (n) => {
      if (n === 1) bucket.policy = JSON.stringify({ Version: "2012-10-17", Statement: [other] });
    };
    expect(
      await ensureBucketPolicyStatement(runOn(bucket), distribution("Main", "/spa"), "E1", progress),
    ).toBe(true);
    expect(bucket.sids()).toEqual(["PocketCloudFrontMain", "SomeoneElse"]);
    expect(bucket.puts).toBe(2);
  });

  it("retries a write that S3 refused as conflicting, and removes only its own grant", async () => {
    const bucket = new FakeBucket();
    const run = runOn(bucket);
    bucket.onPut = (n) => (n === 1 ? "abort" : undefined);
    await ensureBucketPolicyStatement(run, distribution("Main", "/spa"), "E1", progress);
    await ensureBucketPolicyStatement(run, distribution("Media", "/media"), "E2", progress);
    expect(bucket.sids()).toEqual(["PocketCloudFrontMain", "PocketCloudFrontMedia"]);
    await Promise.all([
      removeBucketPolicyStatement(run, distribution("Main", "/spa"), progress),
      ensureBucketPolicyStatement(run, distribution("Media", "/media"), "E3", progress),
    ]);
    expect(bucket.sids()).toEqual(["PocketCloudFrontMedia"]);
    await removeBucketPolicyStatement(run, distribution("Media", "/media"), progress);
    expect(bucket.policy).toBeUndefined();
  });

  it("gives up with a clear error when the policy keeps changing under it", async () => {
    const bucket = new FakeBucket();
    bucket.afterPut = () => {
      bucket.policy = JSON.stringify({ Version: "2012-10-17", Statement: [] });
    };
    const error = await ensureBucketPolicyStatement(
      runOn(bucket),
      distribution("Main", "/spa"),
      "E1",
      progress,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "bucket-policy-conflict" });
    expect(String((error as Error).message)).toContain("s3://dev-shop-pocket");
  });
});

import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DescribeDBClustersCommand, ModifyDBClusterCommand, RDSClient } from "@aws-sdk/client-rds";
import { GetBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { FULL_STAGE } from "../safety-full-stage.js";
import { devStage, stackExists } from "./harness.js";
import { mutating, operationOf, record } from "./recorder.js";

/*
 * The stage with everything, end to end on moto (issue 11 item 22): a managed VPC with two
 * zones and EFS with an access point, Aurora, an SQS worker, two CloudFront distributions (an SPA
 * with static files and the API, and signed media with its key group). test/moto/server.py
 * stands in for the CloudFront resources and the VPC deletions moto's CloudFormation lacks.
 */
const REGION = "ap-northeast-1";
const cfn = (region = REGION) => new CloudFormationClient({ region });
const rds = () => new RDSClient({ region: REGION });
const CLUSTER = "dev-full-pocket-aurora";

async function outputs(stack: string, region = REGION): Promise<Record<string, string>> {
  const out = await cfn(region).send(new DescribeStacksCommand({ StackName: stack }));
  return Object.fromEntries((out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
}

const stage = devStage(FULL_STAGE, "full", () => ({ POCKET_RDS_POLL_MS: "10" }));

describe("the full stage against moto", () => {
  it("deploys every resource in one run", async () => {
    const r = stage.deploy();
    expect(r.status, r.stderr).toBe(0);

    const vpc = await outputs("full-pocket-vpc");
    expect(vpc.EFSAccessPointArn).toMatch(
      /^arn:aws:elasticfilesystem:ap-northeast-1:123456789012:access-point\/fsap-[0-9a-f]+$/,
    );
    const wsgi = await new LambdaClient({ region: REGION }).send(
      new GetFunctionConfigurationCommand({ FunctionName: "dev-full-pocket-wsgi" }),
    );
    expect(wsgi.VpcConfig?.SubnetIds).toHaveLength(2);

    const cluster = (await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: CLUSTER })))
      .DBClusters![0]!;
    expect(cluster.DeletionProtection).toBe(true);
    expect(wsgi.Environment?.Variables?.POCKET_RDS_ENDPOINT).toBe(cluster.Endpoint);

    await new SQSClient({ region: REGION }).send(
      new GetQueueUrlCommand({ QueueName: "dev-full-pocket-management" }),
    );

    const keys = await outputs("dev-full-media-cloudfront-keys", "us-east-1");
    expect(keys.KeyGroupId).toBeTruthy();
    const ids = [];
    for (const name of ["main", "media"]) {
      const o = await outputs(`dev-full-${name}-cloudfront`, "us-east-1");
      expect(o.DistributionId, name).toBeTruthy();
      ids.push(o.DistributionId!);
    }
    // Both distributions deployed at once and both grants are in the shared bucket's policy.
    const policy = JSON.parse(
      (
        await new S3Client({ region: REGION, forcePathStyle: true }).send(
          new GetBucketPolicyCommand({ Bucket: "dev-full-pocket" }),
        )
      ).Policy!,
    ) as { Statement: { Condition: { StringEquals: Record<string, string> } }[] };
    expect(policy.Statement.map((s) => s.Condition.StringEquals["AWS:SourceArn"]).sort()).toEqual(
      ids.map((id) => `arn:aws:cloudfront::123456789012:distribution/${id}`).sort(),
    );
  });

  it("changes nothing on a second deploy: the only writes are the deploy lock's", async () => {
    const again = await record(stage.deploy);
    expect(again.result.status, again.result.stderr).toBe(0);
    expect(again.result.stderr).toContain("No changes");
    const writes = again.requests.filter((r) => mutating([operationOf(r)]).length > 0);
    expect(
      writes.map((r) => `${operationOf(r)} ${new URL(r.url).pathname}`),
      "mutating calls other than the lock",
    ).toEqual(writes.map((r) => `${operationOf(r)} /dev-full-pocket-state/locks/dev.json`));
    expect(writes.length).toBeGreaterThan(0);
  });

  it("turns deletion protection on for a cluster that does not have it, and nothing else", async () => {
    await rds().send(
      new ModifyDBClusterCommand({
        DBClusterIdentifier: CLUSTER,
        DeletionProtection: false,
        ApplyImmediately: true,
      }),
    );
    const r = await record(stage.deploy);
    expect(r.result.status, r.result.stderr).toBe(0);
    expect(mutating(r.operations).filter((op) => op !== "PutObject" && op !== "DeleteObject")).toEqual([
      "ModifyDBCluster",
    ]);
    const cluster = (await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: CLUSTER })))
      .DBClusters![0]!;
    expect(cluster.DeletionProtection).toBe(true);
  });

  it("destroys it all with --with-data, turning deletion protection off first", async () => {
    const r = stage.pocket(["destroy", "--stage", "dev", "--yes", "--with-data"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`turning off deletion protection of ${CLUSTER}`);
    await expect(
      rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: CLUSTER })),
    ).rejects.toThrow();
    for (const [stack, region] of [
      ["full-pocket-vpc", REGION],
      ["dev-full-container", REGION],
      ["dev-full-main-cloudfront", "us-east-1"],
      ["dev-full-media-cloudfront", "us-east-1"],
      ["dev-full-media-cloudfront-keys", "us-east-1"],
    ] as const) {
      expect(await stackExists(stack, region), stack).toBe(false);
    }
  });
});

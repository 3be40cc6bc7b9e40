import { CloudFormationClient, ListStacksCommand } from "@aws-sdk/client-cloudformation";
import { CloudFrontClient, ListDistributionsCommand } from "@aws-sdk/client-cloudfront";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeRepositoriesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { IAMClient, ListRolesCommand } from "@aws-sdk/client-iam";
import { LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { ListSecretsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DescribeParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { REGION } from "./harness.js";

/**
 * What exists in the moto account, by resource type, each type's names sorted: to show that a
 * stage's destroy left nothing of what its deploy made (compare with the inventory before).
 * Secrets include those scheduled for deletion: a secret waiting out its recovery window is
 * still there. Distributions are those of moto's CloudFront API (its CloudFormation makes none:
 * their stacks are listed under stacks).
 */
export type Inventory = Record<string, string[]>;

const sorted = (names: (string | undefined)[]) => names.filter((n): n is string => !!n).sort();

export async function inventory(region = REGION): Promise<Inventory> {
  const stacks = async (r: string) =>
    sorted(
      ((await new CloudFormationClient({ region: r }).send(new ListStacksCommand({}))).StackSummaries ?? [])
        .filter((s) => s.StackStatus !== "DELETE_COMPLETE")
        .map((s) => `${r}:${s.StackName}`),
    );
  const [regional, global] = await Promise.all([stacks(region), stacks("us-east-1")]);
  return {
    stacks: [...regional, ...global],
    buckets: sorted(
      (
        (await new S3Client({ region, forcePathStyle: true }).send(new ListBucketsCommand({}))).Buckets ?? []
      ).map((b) => b.Name),
    ),
    secrets: sorted(
      (
        (
          await new SecretsManagerClient({ region }).send(
            new ListSecretsCommand({ IncludePlannedDeletion: true }),
          )
        ).SecretList ?? []
      ).map((s) => s.Name),
    ),
    parameters: sorted(
      ((await new SSMClient({ region }).send(new DescribeParametersCommand({}))).Parameters ?? []).map(
        (p) => p.Name,
      ),
    ),
    logGroups: sorted(
      (
        (await new CloudWatchLogsClient({ region }).send(new DescribeLogGroupsCommand({}))).logGroups ?? []
      ).map((g) => g.logGroupName),
    ),
    repositories: sorted(
      ((await new ECRClient({ region }).send(new DescribeRepositoriesCommand({}))).repositories ?? []).map(
        (r) => r.repositoryName,
      ),
    ),
    functions: sorted(
      ((await new LambdaClient({ region }).send(new ListFunctionsCommand({}))).Functions ?? []).map(
        (f) => f.FunctionName,
      ),
    ),
    roles: sorted(
      ((await new IAMClient({ region }).send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName),
    ),
    queues: sorted((await new SQSClient({ region }).send(new ListQueuesCommand({}))).QueueUrls ?? []),
    distributions: sorted(
      (
        (await new CloudFrontClient({ region: "us-east-1" }).send(new ListDistributionsCommand({})))
          .DistributionList?.Items ?? []
      ).map((d) => `${d.Id} ${d.Comment ?? ""}`),
    ),
    alarms: sorted(
      ((await new CloudWatchClient({ region }).send(new DescribeAlarmsCommand({}))).MetricAlarms ?? []).map(
        (a) => a.AlarmName,
      ),
    ),
  };
}

/** What `after` has that `before` has not, by type (types with nothing new left out). */
export function added(before: Inventory, after: Inventory): Inventory {
  const out: Inventory = {};
  for (const [type, names] of Object.entries(after)) {
    const fresh = names.filter((n) => !before[type]?.includes(n));
    if (fresh.length > 0) out[type] = fresh;
  }
  return out;
}

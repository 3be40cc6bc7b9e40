import type { CloudFrontContext } from "@magic-pocket/config";
import { unlessAbsent } from "../../aws/errors.js";
import { CliError } from "../../errors.js";
import { describeStack, stackOutputs } from "../../stacks/stack.js";
import type { RunContext } from "../resource.js";
import { placeDistributions } from "./placement.js";

/**
 * Reads and writes of one key in a distribution's CloudFront KeyValueStore (the data plane, in
 * us-east-1). Writes carry the store's ETag (If-Match), so two writers cannot overwrite each
 * other's view of the store.
 */
export async function readKvsKey(run: RunContext, kvsArn: string, key: string): Promise<string | undefined> {
  const kvs = await run.aws("us-east-1").cloudfrontKvs();
  const { GetKeyCommand } = await import("@aws-sdk/client-cloudfront-keyvaluestore");
  const out = await unlessAbsent(
    kvs.send(new GetKeyCommand({ KvsARN: kvsArn, Key: key })),
    "ResourceNotFoundException",
  );
  return out?.Value;
}

export async function writeKvsKey(
  run: RunContext,
  kvsArn: string,
  key: string,
  value: string,
): Promise<void> {
  const kvs = await run.aws("us-east-1").cloudfrontKvs();
  const { DescribeKeyValueStoreCommand, PutKeyCommand } = await import(
    "@aws-sdk/client-cloudfront-keyvaluestore"
  );
  const { ETag } = await kvs.send(new DescribeKeyValueStoreCommand({ KvsARN: kvsArn }));
  await kvs.send(new PutKeyCommand({ KvsARN: kvsArn, Key: key, Value: value, IfMatch: ETag }));
}

/** The distribution stack's outputs, from this run's deploy of it or read from the stack. */
export async function distributionOutputs(
  cf: CloudFrontContext,
  run: RunContext,
): Promise<Record<string, string | undefined>> {
  const ran = run.outputs.get(`cloudfront:${cf.name}`);
  if (ran?.DistributionId) return ran;
  await placeDistributions(run);
  const outputs = stackOutputs(await describeStack(run.aws(cf.region), cf.stackName));
  if (!outputs.DistributionId) {
    throw new CliError("distribution-missing", `the distribution ${cf.stackName} does not exist yet.`, {
      hint: "Deploy it first: `pocket deploy` creates it before uploading the front end.",
    });
  }
  return outputs;
}

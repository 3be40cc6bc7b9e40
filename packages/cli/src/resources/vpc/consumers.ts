import type { Tag } from "@aws-sdk/client-cloudformation";
import type { AwsClients } from "../../aws/clients.js";
import { CliError } from "../../errors.js";
import { describeStack, waitForStack } from "../../stacks/stack.js";
import type { Progress } from "../resource.js";

/**
 * Who uses a shared VPC is recorded on the VPC stack itself, as the guide documents
 * (docs/decisions.md#p11-the-vpc-is-shared-by-ref): the owner sets `pocket:sharable = true`, each
 * external user (`manage = false`) adds `pocket:consumer:{slug} = deployed` when it deploys and
 * removes it when it is destroyed. The owner refuses to delete a VPC that still has consumers.
 */
export const CONSUMER_TAG_PREFIX = "pocket:consumer:";

export function consumerTags(tags: Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key?.startsWith(CONSUMER_TAG_PREFIX)) out[t.Key] = t.Value ?? "";
  return out;
}

/** Slugs of the stages registered as users of the VPC stack. */
export async function vpcConsumers(clients: AwsClients, stackName: string): Promise<string[]> {
  const stack = await describeStack(clients, stackName);
  return Object.keys(consumerTags(stack?.Tags))
    .map((k) => k.slice(CONSUMER_TAG_PREFIX.length))
    .sort();
}

export async function refuseVpcInUse(clients: AwsClients, stackName: string): Promise<void> {
  const consumers = await vpcConsumers(clients, stackName);
  if (consumers.length > 0) {
    throw new CliError(
      "vpc-in-use",
      `the VPC stack ${stackName} is still used by ${consumers.join(", ")}; it was not deleted.`,
      {
        hint: "Destroy the stages that use it first (`pocket destroy` in those projects), then run this again.",
      },
    );
  }
}

/**
 * Adds or removes this stage's consumer tag. Stack tags can only change through UpdateStack; the
 * previous template is kept, so nothing but the tags changes. Returns whether a call was made.
 */
export async function registerVpcConsumer(
  clients: AwsClients,
  stackName: string,
  slug: string,
  present: boolean,
  progress: Progress,
): Promise<boolean> {
  const stack = await describeStack(clients, stackName);
  if (!stack) return false;
  const key = `${CONSUMER_TAG_PREFIX}${slug}`;
  const has = (stack.Tags ?? []).some((t) => t.Key === key);
  if (has === present) return false;
  const Tags = (stack.Tags ?? []).filter((t) => t.Key !== key);
  if (present) Tags.push({ Key: key, Value: "deployed" });
  const { UpdateStackCommand } = await import("@aws-sdk/client-cloudformation");
  const since = new Date(Date.now() - 1000);
  progress.update(`${present ? "registering with" : "unregistering from"} VPC stack ${stackName}`);
  await (await clients.cloudformation()).send(
    new UpdateStackCommand({
      StackName: stackName,
      UsePreviousTemplate: true,
      Parameters: (stack.Parameters ?? []).map((p) => ({
        ParameterKey: p.ParameterKey,
        UsePreviousValue: true,
      })),
      Tags,
    }),
  );
  await waitForStack(clients, stackName, since, progress);
  return true;
}

import { randomUUID } from "node:crypto";
import type { Parameter, Stack, Tag } from "@aws-sdk/client-cloudformation";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorName } from "../aws/errors.js";
import { CliError } from "../errors.js";
import type { Progress } from "../status.js";
import { describeStack, failed, inProgress, isSynced, reasonSuffix, stackOutputs } from "./describe.js";
import type { StackSpec } from "./spec.js";
import { failureCause, stackFailure, waitForStack } from "./wait.js";

/**
 * Deploying and deleting one stack. Reading one is in describe.ts, waiting for one in wait.ts,
 * planning a change in plan.ts; their functions are exported here too, as one module of stacks.
 */
export {
  deployedTemplateBody,
  describedStackStatus,
  describeStack,
  stackOutputs,
  stackStatus,
} from "./describe.js";
export { planStack } from "./plan.js";
export type { StackSpec } from "./spec.js";
export { waitForStack } from "./wait.js";

export interface StackResult {
  changed: boolean;
  /** Outputs by OutputKey and by ExportName (docs/decisions.md#p3-stack-outputs-by-export-name-and-key). */
  outputs: Record<string, string>;
}

/**
 * Creates or updates a stack and waits for it, logging resource events as they happen. An
 * unchanged stack (same template, parameters and tags) gets no mutating call at all. On failure
 * the first failing resource and its reason are in the error.
 */
export async function deployStack(
  clients: AwsClients,
  spec: StackSpec,
  progress: Progress,
  options: { recreateFailed?: () => Promise<boolean> } = {},
): Promise<StackResult> {
  const stack = await deployableStack(clients, spec, progress, options);
  if (stack && (await isSynced(clients, stack, spec)))
    return { changed: false, outputs: stackOutputs(stack) };
  const since = new Date(Date.now() - 1000);
  // One token per request: the SDK's own retries resend it, so CloudFormation sees one request.
  const token = requestToken();
  const sent = await submitStack(clients, spec, { update: stack !== undefined, token, since }, progress);
  if (stack && !sent) return { changed: false, outputs: stackOutputs(stack) };
  const final = await waitForStack(clients, spec.name, since, progress);
  const status = final?.StackStatus ?? "DELETE_COMPLETE";
  if (!final || failed(status) || status.includes("ROLLBACK")) {
    throw await stackFailure(clients, spec.name, since, status);
  }
  return { changed: true, outputs: stackOutputs(final) };
}

/**
 * The stack as it is, if a deploy may change it: a busy stack is refused, and one whose creation
 * was rolled back is deleted first (when `recreateFailed` agrees), as CloudFormation cannot
 * update it.
 */
async function deployableStack(
  clients: AwsClients,
  spec: StackSpec,
  progress: Progress,
  options: { recreateFailed?: () => Promise<boolean> },
): Promise<Stack | undefined> {
  const stack = await describeStack(clients, spec.name);
  if (stack && inProgress(stack.StackStatus ?? "")) {
    throw new CliError("stack-busy", `stack ${spec.name} is busy (${stack.StackStatus}).`, {
      hint: "Another deploy or a rollback is running. Wait for it to finish (pocket status), then deploy again.",
    });
  }
  if (stack?.StackStatus !== "ROLLBACK_COMPLETE") return stack;
  const ok = (await options.recreateFailed?.()) ?? false;
  if (!ok) {
    const cause = await failureCause(clients, spec.name, new Date(0));
    throw new CliError(
      "stack-rollback-complete",
      `stack ${spec.name} failed to create earlier and was rolled back${cause ? `: ${cause}` : reasonSuffix(stack)}.`,
      {
        hint: "CloudFormation cannot update such a stack, only delete it. Re-run with --yes to delete and recreate it (it holds no resources), or delete it in the CloudFormation console.",
      },
    );
  }
  progress.update("deleting the rolled-back stack");
  await destroyStack(clients, spec.name, progress);
  return undefined;
}

/** What create and update send alike: template, parameters, tags, capabilities. */
function stackRequest(spec: StackSpec) {
  const Parameters: Parameter[] = Object.entries(spec.parameters ?? {}).map(
    ([ParameterKey, ParameterValue]) => ({
      ParameterKey,
      ParameterValue,
    }),
  );
  const Tags: Tag[] = Object.entries(spec.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  return {
    StackName: spec.name,
    TemplateBody: JSON.stringify(spec.template),
    Parameters,
    Tags,
    Capabilities: spec.namedIam ? ["CAPABILITY_NAMED_IAM" as const] : undefined,
  };
}

/**
 * Sends the create (no stack yet) or the update, the same request but for how a create fails
 * (OnFailure); false when CloudFormation finds nothing to update.
 */
async function submitStack(
  clients: AwsClients,
  spec: StackSpec,
  change: { update: boolean; token: string; since: Date },
  progress: Progress,
): Promise<boolean> {
  const { CreateStackCommand, UpdateStackCommand } = await import("@aws-sdk/client-cloudformation");
  const request = { ...stackRequest(spec), ClientRequestToken: change.token };
  progress.update(change.update ? "updating stack" : "creating stack");
  try {
    await (await clients.cloudformation()).send(
      change.update
        ? new UpdateStackCommand(request)
        : new CreateStackCommand({ ...request, OnFailure: "ROLLBACK" }),
    );
    return true;
  } catch (error) {
    if (change.update && /No updates are to be performed/.test((error as Error).message)) return false;
    // A create that CloudFormation accepted but answered with an error (a 500, a dropped
    // connection) is retried by the SDK and then "already exists": that stack is ours.
    if (
      change.update ||
      awsErrorName(error) !== "AlreadyExistsException" ||
      !(await createdBy(clients, spec.name, change.token, change.since))
    )
      throw error;
    progress.log(
      "the create request was retried after CloudFormation had accepted it; waiting for that stack",
    );
    return true;
  }
}

/** Deletes a stack and waits until it is gone; a missing stack is success. */
export async function destroyStack(clients: AwsClients, name: string, progress: Progress): Promise<boolean> {
  const stack = await describeStack(clients, name);
  if (!stack) return false;
  const { DeleteStackCommand } = await import("@aws-sdk/client-cloudformation");
  const cfn = await clients.cloudformation();
  const since = new Date(Date.now() - 1000);
  progress.update("deleting stack");
  await cfn.send(new DeleteStackCommand({ StackName: name, ClientRequestToken: requestToken() }));
  const after = await waitForStack(clients, name, since, progress);
  if (after && after.StackStatus !== "DELETE_COMPLETE") {
    throw await stackFailure(clients, name, since, after.StackStatus ?? "DELETE_FAILED");
  }
  return true;
}

/** CloudFormation's request tokens: up to 128 of [a-zA-Z0-9-], starting with a letter or digit. */
function requestToken(): string {
  return `pocket-${randomUUID()}`;
}

/**
 * True when the stack that "already exists" is the one our request created: its events carry our
 * token (AWS records it on every event of the operation). An emulator that records no tokens
 * (moto) is judged by time: created after our request started and still being created or done.
 */
async function createdBy(clients: AwsClients, name: string, token: string, since: Date): Promise<boolean> {
  const stack = await describeStack(clients, name);
  if (!stack) return false;
  const { DescribeStackEventsCommand } = await import("@aws-sdk/client-cloudformation");
  const events =
    (await (await clients.cloudformation()).send(new DescribeStackEventsCommand({ StackName: name })))
      .StackEvents ?? [];
  const tokens = events.map((e) => e.ClientRequestToken).filter((t): t is string => Boolean(t));
  if (tokens.length > 0) return tokens.includes(token);
  return (
    stack.CreationTime !== undefined &&
    stack.CreationTime.getTime() >= since.getTime() &&
    /^CREATE_(IN_PROGRESS|COMPLETE)$/.test(stack.StackStatus ?? "")
  );
}

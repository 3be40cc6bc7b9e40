import type { Stack, StackEvent } from "@aws-sdk/client-cloudformation";
import type { AwsClients } from "../aws/clients.js";
import { CliError } from "../errors.js";
import type { Progress } from "../status.js";
import { pollUntil } from "../util/time.js";
import { describeStack, inProgress } from "./describe.js";

/** How long to wait between polls; stacks take minutes on AWS, milliseconds on an emulator. */
const POLL = { firstMs: 1000, maxMs: 10_000, timeoutMs: 3 * 60 * 60_000 };

/** Polls until the stack leaves every *_IN_PROGRESS state, logging new events. */
export async function waitForStack(
  clients: AwsClients,
  name: string,
  since: Date,
  progress: Progress,
): Promise<Stack | undefined> {
  const seen = new Set<string>();
  // The stack is an object, or "gone" once deleted: pollUntil stops at anything but undefined.
  const final = await pollUntil(
    `stack ${name}`,
    async (): Promise<Stack | "gone" | undefined> => {
      const stack = await describeStack(clients, name);
      for (const e of await newEvents(clients, name, since, seen)) {
        if (e.LogicalResourceId === name) continue;
        progress.log(
          `${e.LogicalResourceId} ${e.ResourceStatus}${e.ResourceStatusReason && e.ResourceStatus?.includes("FAILED") ? `: ${e.ResourceStatusReason}` : ""}`,
        );
      }
      if (!stack) return "gone";
      if (!inProgress(stack.StackStatus ?? "")) return stack;
      progress.update(stack.StackStatus!.toLowerCase().replaceAll("_", " "));
      return undefined;
    },
    {
      everyMs: POLL.firstMs,
      maxEveryMs: POLL.maxMs,
      timeoutMs: POLL.timeoutMs,
      hint: `CloudFormation may still be working on it: watch it with \`aws cloudformation describe-stack-events --stack-name ${name}\`.`,
    },
  );
  return final === "gone" ? undefined : final;
}

async function newEvents(
  clients: AwsClients,
  name: string,
  since: Date,
  seen: Set<string>,
): Promise<StackEvent[]> {
  const { DescribeStackEventsCommand } = await import("@aws-sdk/client-cloudformation");
  const cfn = await clients.cloudformation();
  try {
    const out = await cfn.send(new DescribeStackEventsCommand({ StackName: name }));
    const fresh = (out.StackEvents ?? []).filter(
      (e) => e.EventId && !seen.has(e.EventId) && (e.Timestamp ?? new Date()) >= since,
    );
    for (const e of fresh) seen.add(e.EventId!);
    return fresh.reverse();
  } catch {
    return []; // a deleted stack has no events to show
  }
}

/** The first resource that failed since `since`, as "Logical (Type) failed: reason". */
export async function failureCause(
  clients: AwsClients,
  name: string,
  since: Date,
): Promise<string | undefined> {
  const events = await newEvents(clients, name, since, new Set());
  const cause = events.find(
    (e) =>
      e.ResourceStatus?.endsWith("_FAILED") &&
      e.LogicalResourceId !== name &&
      !/cancelled/i.test(e.ResourceStatusReason ?? ""),
  );
  return cause
    ? `${cause.LogicalResourceId} (${cause.ResourceType}) failed: ${cause.ResourceStatusReason ?? "no reason given"}`
    : undefined;
}

/** The error of a stack operation that failed, naming the first resource that did. */
export async function stackFailure(
  clients: AwsClients,
  name: string,
  since: Date,
  status: string,
): Promise<CliError> {
  const what = (await failureCause(clients, name, since)) ?? `the stack ended in ${status}`;
  return new CliError("stack-failed", `stack ${name} could not be deployed: ${what}`, {
    hint: status.includes("ROLLBACK")
      ? "CloudFormation rolled the stack back to its previous state. Fix the cause and deploy again."
      : "See the stack's events in the CloudFormation console for details.",
  });
}

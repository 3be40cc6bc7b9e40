import { randomUUID } from "node:crypto";
import type { Parameter, Stack, StackEvent, Tag } from "@aws-sdk/client-cloudformation";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorName } from "../aws/errors.js";
import { CliError } from "../errors.js";
import type { Change, Progress, ResourceStatus } from "../status.js";
import { pollUntil } from "../util/time.js";
import { sameTemplate } from "./compare.js";
import type { StackSpec } from "./spec.js";

export type { StackSpec } from "./spec.js";

export interface StackResult {
  changed: boolean;
  /** Outputs by OutputKey and by ExportName (docs/decisions.md#p3-stack-outputs-by-export-name-and-key). */
  outputs: Record<string, string>;
}

/** How long to wait between polls; stacks take minutes on AWS, milliseconds on an emulator. */
const POLL = { firstMs: 1000, maxMs: 10_000, timeoutMs: 3 * 60 * 60_000 };

export async function describeStack(clients: AwsClients, name: string): Promise<Stack | undefined> {
  const { DescribeStacksCommand } = await import("@aws-sdk/client-cloudformation");
  const cfn = await clients.cloudformation();
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    const stack = out.Stacks?.[0];
    return stack?.StackStatus === "DELETE_COMPLETE" ? undefined : stack;
  } catch (error) {
    if (awsErrorName(error) === "ValidationError" && /does not exist/.test((error as Error).message))
      return undefined;
    throw error;
  }
}

export function stackOutputs(stack: Stack | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of stack?.Outputs ?? []) {
    if (o.OutputKey && o.OutputValue !== undefined) out[o.OutputKey] = o.OutputValue;
    if (o.ExportName && o.OutputValue !== undefined) out[o.ExportName] = o.OutputValue;
  }
  return out;
}

const inProgress = (status: string) => status.endsWith("_IN_PROGRESS");
const failed = (status: string) => status.endsWith("_FAILED") || status === "ROLLBACK_COMPLETE";

/** A stack's state compared with what pocket would deploy (docs/decisions.md#p2-stack-status). */
export async function stackStatus(clients: AwsClients, spec: StackSpec): Promise<ResourceStatus> {
  return describedStackStatus(clients, await describeStack(clients, spec.name), spec);
}

/** `stackStatus` of a stack the caller has just described (undefined: there is none). */
export async function describedStackStatus(
  clients: AwsClients,
  stack: Stack | undefined,
  spec: StackSpec,
): Promise<ResourceStatus> {
  if (!stack) return { state: "missing" };
  const status = stack.StackStatus ?? "UNKNOWN";
  if (inProgress(status)) return { state: "in-progress", detail: status };
  if (failed(status)) return { state: "failed", detail: `${status}${reasonSuffix(stack)}` };
  if (await isSynced(clients, stack, spec)) return { state: "in-sync" };
  return { state: "needs-update", detail: "template or parameters differ" };
}

/** The template body a stack was deployed with, as sent (JSON from us, YAML from the Python tool). */
export async function deployedTemplateBody(clients: AwsClients, name: string): Promise<string | undefined> {
  const { GetTemplateCommand } = await import("@aws-sdk/client-cloudformation");
  const cfn = await clients.cloudformation();
  return (await cfn.send(new GetTemplateCommand({ StackName: name, TemplateStage: "Original" })))
    .TemplateBody;
}

async function isSynced(clients: AwsClients, stack: Stack, spec: StackSpec): Promise<boolean> {
  if (!(await sameTemplate(await deployedTemplateBody(clients, spec.name), spec.template))) return false;
  const current = Object.fromEntries((stack.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]));
  const wanted = spec.parameters ?? {};
  if (Object.keys(current).length !== Object.keys(wanted).length) return false;
  // A NoEcho parameter reads back as ****: its resource tags a fingerprint of the value instead.
  const masked = (k: string) => spec.template.Parameters?.[k]?.NoEcho === true && current[k] === "****";
  if (!Object.entries(wanted).every(([k, v]) => current[k] === v || masked(k))) return false;
  const tags = Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key, t.Value]));
  return Object.entries(spec.tags ?? {}).every(([k, v]) => tags[k] === v);
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
  if (!stack) await createStack(clients, spec, token, since, progress);
  else if (!(await updateStack(clients, spec, token, progress)))
    return { changed: false, outputs: stackOutputs(stack) };
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

async function createStack(
  clients: AwsClients,
  spec: StackSpec,
  token: string,
  since: Date,
  progress: Progress,
): Promise<void> {
  const { CreateStackCommand } = await import("@aws-sdk/client-cloudformation");
  progress.update("creating stack");
  try {
    await (await clients.cloudformation()).send(
      new CreateStackCommand({ ...stackRequest(spec), OnFailure: "ROLLBACK", ClientRequestToken: token }),
    );
  } catch (error) {
    // A create that CloudFormation accepted but answered with an error (a 500, a dropped
    // connection) is retried by the SDK and then "already exists": that stack is ours.
    if (
      awsErrorName(error) !== "AlreadyExistsException" ||
      !(await createdBy(clients, spec.name, token, since))
    )
      throw error;
    progress.log(
      "the create request was retried after CloudFormation had accepted it; waiting for that stack",
    );
  }
}

/** False when CloudFormation finds nothing to update. */
async function updateStack(
  clients: AwsClients,
  spec: StackSpec,
  token: string,
  progress: Progress,
): Promise<boolean> {
  const { UpdateStackCommand } = await import("@aws-sdk/client-cloudformation");
  progress.update("updating stack");
  try {
    await (await clients.cloudformation()).send(
      new UpdateStackCommand({ ...stackRequest(spec), ClientRequestToken: token }),
    );
    return true;
  } catch (error) {
    if (/No updates are to be performed/.test((error as Error).message)) return false;
    throw error;
  }
}

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
async function failureCause(clients: AwsClients, name: string, since: Date): Promise<string | undefined> {
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

async function stackFailure(
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

/**
 * What an update would change, from a CloudFormation change set (deleted afterwards). A missing
 * stack is planned from the template alone, so planning never creates anything.
 */
export async function planStack(clients: AwsClients, spec: StackSpec): Promise<Change[]> {
  const stack = await describeStack(clients, spec.name);
  if (!stack) {
    return Object.entries(spec.template.Resources).map(([id, r]) => ({
      action: "create",
      target: `${r.Type} ${id}`,
    }));
  }
  if (await isSynced(clients, stack, spec)) return [];
  const {
    CreateChangeSetCommand,
    DeleteChangeSetCommand,
    DescribeChangeSetCommand,
    waitUntilChangeSetCreateComplete,
  } = await import("@aws-sdk/client-cloudformation");
  const cfn = await clients.cloudformation();
  const ChangeSetName = `pocket-plan-${Date.now()}`;
  await cfn.send(
    new CreateChangeSetCommand({
      StackName: spec.name,
      ChangeSetName,
      ChangeSetType: "UPDATE",
      TemplateBody: JSON.stringify(spec.template),
      Parameters: Object.entries(spec.parameters ?? {}).map(([ParameterKey, ParameterValue]) => ({
        ParameterKey,
        ParameterValue,
      })),
      Capabilities: spec.namedIam ? ["CAPABILITY_NAMED_IAM"] : undefined,
    }),
  );
  try {
    // The SDK's waiter; a change set that FAILED ends it with an error, and is read below.
    await waitUntilChangeSetCreateComplete(
      { client: cfn, minDelay: 0.5, maxDelay: 5, maxWaitTime: 15 * 60 },
      { StackName: spec.name, ChangeSetName },
    ).catch(() => undefined);
    const cs = await cfn.send(new DescribeChangeSetCommand({ StackName: spec.name, ChangeSetName }));
    if (cs.Status === "CREATE_PENDING" || cs.Status === "CREATE_IN_PROGRESS") {
      throw new CliError(
        "plan-timeout",
        `CloudFormation did not finish planning ${spec.name} in 15 minutes.`,
      );
    }
    if (cs.Status === "FAILED") {
      if (/didn't contain changes|No updates/i.test(cs.StatusReason ?? "")) return [];
      throw new CliError("plan-failed", `CloudFormation could not plan ${spec.name}: ${cs.StatusReason}`);
    }
    const changes = (cs.Changes ?? []).flatMap((c): Change[] => {
      const rc = c.ResourceChange;
      if (!rc) return [];
      const replace = rc.Replacement === "True" || rc.Replacement === "Conditional";
      const action: Change["action"] =
        rc.Action === "Add" ? "create" : rc.Action === "Remove" ? "delete" : replace ? "replace" : "update";
      return [
        {
          action,
          target: `${rc.ResourceType} ${rc.LogicalResourceId}`,
          ...(rc.Replacement === "Conditional" ? { detail: "may be replaced" } : {}),
        },
      ];
    });
    // Parameter-only updates have no resource changes listed, yet the stack differs.
    return changes.length > 0
      ? changes
      : [{ action: "update", target: `stack ${spec.name}`, detail: "parameters" }];
  } finally {
    await cfn
      .send(new DeleteChangeSetCommand({ StackName: spec.name, ChangeSetName }))
      .catch(() => undefined);
  }
}

function reasonSuffix(stack: Stack): string {
  return stack.StackStatusReason ? ` (${stack.StackStatusReason})` : "";
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

// Reading a stack: whether it exists, its outputs, and its state against what pocket would deploy.
import type { Stack } from "@aws-sdk/client-cloudformation";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorName } from "../aws/errors.js";
import type { ResourceStatus } from "../status.js";
import { sameTemplate } from "./compare.js";
import type { StackSpec } from "./spec.js";

/** The stack, or undefined when there is none (a deleted one counts as none). */
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

/** CloudFormation is still working on the stack. */
export const inProgress = (status: string) => status.endsWith("_IN_PROGRESS");
/** The stack's last operation failed (or its creation was rolled back). */
export const failed = (status: string) => status.endsWith("_FAILED") || status === "ROLLBACK_COMPLETE";

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

/** Same template, parameters and tags as the spec: a deploy would change nothing. */
export async function isSynced(clients: AwsClients, stack: Stack, spec: StackSpec): Promise<boolean> {
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

export function reasonSuffix(stack: Stack): string {
  return stack.StackStatusReason ? ` (${stack.StackStatusReason})` : "";
}

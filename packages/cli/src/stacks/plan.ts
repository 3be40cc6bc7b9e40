import type { AwsClients } from "../aws/clients.js";
import { CliError } from "../errors.js";
import type { Change } from "../status.js";
import { describeStack, isSynced } from "./describe.js";
import type { StackSpec } from "./spec.js";

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

import { awsErrorName } from "../../aws/errors.js";
import { CliError } from "../../errors.js";
import { describeStack } from "../../stacks/stack.js";
import { writeErr, writeOut } from "../../util/stdio.js";
import type { OperationContext } from "../resource.js";

/**
 * The variable `pocket resource awscontainer secrets reload` sets in each function's live
 * configuration (docs/runtime-contract.md). Changing any environment variable makes Lambda
 * start new execution environments, and the runtime reads the secrets at each cold start, so
 * every invocation after the reload sees the current values.
 *
 * The variable is not in the stack template, on purpose: the template (and `pocket status`)
 * stays as it was, and the next deploy does not touch a function it has no other change for.
 * A deploy that does change a function sets the template's environment, without the variable:
 * that is a configuration change too, so the environments it starts also read the current
 * values (docs/decisions.md#e8-secrets-reload-without-a-deploy).
 */
export const SECRETS_REVISION_ENV = "POCKET_SECRETS_REVISION";

const BUSY = /_IN_PROGRESS$/;

/** `pocket resource awscontainer secrets reload`. */
export async function reloadSecrets({ run }: OperationContext): Promise<void> {
  const c = run.ctx.container!;
  const clients = run.aws(c.region);
  const stack = await describeStack(clients, c.stackName);
  if (!stack) {
    throw new CliError("stack-missing", `the container stack ${c.stackName} does not exist.`, {
      hint: `Deploy the stage first: pocket deploy --stage ${run.ctx.stage}.`,
    });
  }
  if (BUSY.test(stack.StackStatus ?? "")) {
    // Both would write the functions' configuration; the stack's update would win or fail.
    throw new CliError("stack-busy", `stack ${c.stackName} is busy (${stack.StackStatus}).`, {
      hint: "Wait for the deploy to finish (pocket status), then reload. A deploy that changes a function reloads its secrets anyway.",
    });
  }
  const { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionUpdatedV2 } =
    await import("@aws-sdk/client-lambda");
  const lambda = await clients.lambda();
  const revision = new Date().toISOString();
  const touched: string[] = [];
  const missing: string[] = [];
  // One function at a time: a failure leaves a clear list of what was reloaded before it.
  for (const h of Object.values(c.handlers)) {
    let current: import("@aws-sdk/client-lambda").GetFunctionConfigurationCommandOutput;
    try {
      current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: h.functionName }));
    } catch (error) {
      if (awsErrorName(error) === "ResourceNotFoundException") {
        missing.push(h.functionName);
        continue;
      }
      throw error;
    }
    // A function still applying an earlier change refuses a new one: wait for it first.
    if (current.LastUpdateStatus === "InProgress") {
      await waitUntilFunctionUpdatedV2(
        { client: lambda, maxWaitTime: 300, minDelay: 1 },
        { FunctionName: h.functionName },
      );
    }
    const variables = { ...(current.Environment?.Variables ?? {}), [SECRETS_REVISION_ENV]: revision };
    writeErr(`reloading ${h.key} (${h.functionName})\n`);
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: h.functionName,
        Environment: { Variables: variables },
        // Lambda rejects the update if the function changed since we read it, instead of
        // silently dropping a deploy's environment.
        ...(current.RevisionId ? { RevisionId: current.RevisionId } : {}),
      }),
    );
    await waitUntilFunctionUpdatedV2(
      { client: lambda, maxWaitTime: 300, minDelay: 1 },
      { FunctionName: h.functionName },
    );
    touched.push(h.functionName);
  }
  for (const name of missing) writeErr(`skipped ${name}: the function does not exist\n`);
  if (touched.length === 0) {
    throw new CliError(
      "no-functions",
      `no function of stage ${run.ctx.stage} exists, so none was reloaded.`,
      {
        hint: `Deploy the stage first: pocket deploy --stage ${run.ctx.stage}.`,
      },
    );
  }
  writeOut(
    `reloaded ${touched.length} function${touched.length === 1 ? "" : "s"} (${SECRETS_REVISION_ENV}=${revision}); new invocations read the current secret values:\n${touched.map((n) => `  ${n}\n`).join("")}`,
  );
}

import type { ContainerContext, HandlerContext } from "@magic-pocket/config";
import { MANAGEMENT_COMMAND_HANDLER } from "@magic-pocket/config";
import type { AwsClients } from "../aws/clients.js";
import { invokeFunction } from "../aws/invoke.js";
import { CliError } from "../errors.js";

/** The command event the Python `management_command_handler` takes (direct invoke or SQS body). */
export interface ManagementEvent {
  command: string;
  args: string[];
  kwargs: Record<string, unknown>;
}

export interface ManagementResult {
  exitCode: number;
  output: string;
}

const MANAGEMENT = MANAGEMENT_COMMAND_HANDLER;
const SQS_ENTRY_POINTS = new Set([
  MANAGEMENT,
  "pocket.django.lambda_handlers.sqs_management_command_handler",
  "pocket.django.lambda_handlers.sqs_management_command_report_failures_handler",
  "pocket.django.lambda_handlers.sqs_management_command_report_failuers_handler",
]);

/** The handler `pocket django manage` runs: `--handler KEY`, else the one management handler. */
export function managementHandler(container: ContainerContext | undefined, key?: string): HandlerContext {
  if (!container) {
    throw new CliError(
      "no-container",
      "this stage has no [awscontainer], so there is no handler to run commands.",
      {
        hint: "Add [awscontainer] with a management handler to pocket.toml.",
      },
    );
  }
  if (key) {
    const h = container.handlers[key];
    if (!h) {
      throw new CliError("unknown-handler", `there is no handler "${key}" in [awscontainer.handlers].`, {
        hint: `Handlers of this stage: ${Object.keys(container.handlers).join(", ")}.`,
      });
    }
    return h;
  }
  const h = Object.values(container.handlers).find((x) => x.command === MANAGEMENT);
  if (!h) {
    throw new CliError("no-management-handler", "this stage has no management command handler.", {
      hint: `Add [awscontainer.handlers.management] with command = "${MANAGEMENT}" and deploy.`,
    });
  }
  return h;
}

/** The SQS worker `--async` queues on: `--handler KEY`, else the management handler, else the one SQS entry point. */
export function queueHandler(container: ContainerContext | undefined, key?: string): HandlerContext {
  const candidates = key
    ? [managementHandler(container, key)]
    : Object.values(container?.handlers ?? {}).filter((h) => SQS_ENTRY_POINTS.has(h.command) && h.sqs);
  const h = candidates.find((x) => x.sqs && x.queueName);
  if (!h) {
    throw new CliError(
      "no-management-queue",
      "no management command handler of this stage has an SQS queue.",
      {
        hint: "Add `sqs = {}` to the management handler (or run without --async to wait for the output).",
      },
    );
  }
  return h;
}

/** Runs the command synchronously in the stage's Lambda and returns its exit code and output. */
export async function invokeManagement(
  clients: AwsClients,
  handler: HandlerContext,
  event: ManagementEvent,
): Promise<ManagementResult> {
  const out = await invokeFunction(clients, {
    FunctionName: handler.functionName,
    InvocationType: "RequestResponse",
    Payload: new TextEncoder().encode(JSON.stringify(event)),
  });
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : "";
  if (out.FunctionError) {
    let message = text;
    try {
      const e = JSON.parse(text) as { errorType?: string; errorMessage?: string };
      message = [e.errorType, e.errorMessage].filter(Boolean).join(": ") || text;
    } catch {
      // not JSON: show it as it is
    }
    throw new CliError("management-lambda-error", `the function ${handler.functionName} failed: ${message}`, {
      hint: `Its logs are in CloudWatch, log group ${handler.logGroupName}.`,
    });
  }
  let result: Partial<ManagementResult>;
  try {
    result = JSON.parse(text) as Partial<ManagementResult>;
  } catch {
    result = {};
  }
  if (typeof result.exitCode !== "number" || typeof result.output !== "string") {
    throw new CliError(
      "management-unexpected-reply",
      `the function ${handler.functionName} did not answer like pocket's management handler (got ${text.slice(0, 120)}).`,
      {
        hint: `Check that its command is ${MANAGEMENT} and that the image has the current pocket runtime (pocket django init copies it).`,
      },
    );
  }
  return { exitCode: result.exitCode, output: result.output };
}

/** Queues the command on the handler's SQS queue; returns the message id. */
export async function queueManagement(clients: AwsClients, handler: HandlerContext, event: ManagementEvent) {
  const { GetQueueUrlCommand, SendMessageCommand } = await import("@aws-sdk/client-sqs");
  const sqs = await clients.sqs();
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: handler.queueName! }));
  const out = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify(event) }));
  return out.MessageId ?? "";
}

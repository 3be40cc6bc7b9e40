import type { InvokeCommandInput, InvokeCommandOutput } from "@aws-sdk/client-lambda";
import type { AwsClients } from "./clients.js";

/**
 * A synchronous Invoke runs the user's code (a migration, a management command). The SDK retries
 * a call whose answer was lost or timed out, which would run that code a second time; so
 * invocations go through a client that never retries, and only an answer that says the function
 * did not run (Lambda's throttling, 429) is tried again here, with backoff.
 */
export async function invokeFunction(
  clients: AwsClients,
  input: InvokeCommandInput,
): Promise<InvokeCommandOutput> {
  const { InvokeCommand } = await import("@aws-sdk/client-lambda");
  const lambda = await clients.lambdaInvoke();
  for (let attempt = 1; ; attempt++) {
    try {
      return await lambda.send(new InvokeCommand(input));
    } catch (error) {
      if (attempt >= THROTTLED_ATTEMPTS || !notRun(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(8_000, 250 * 2 ** attempt)));
    }
  }
}

const THROTTLED_ATTEMPTS = 6;

/** Lambda refused the call before running anything: throttled, or too many concurrent runs. */
function notRun(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === "TooManyRequestsException" || e?.$metadata?.httpStatusCode === 429;
}

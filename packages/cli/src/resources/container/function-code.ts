import type { FunctionConfiguration } from "@aws-sdk/client-lambda";
import type { AwsClients } from "../../aws/clients.js";
import { awsErrorName } from "../../aws/errors.js";
import { CliError } from "../../errors.js";
import { sleep } from "../../util/time.js";
import type { Progress } from "../resource.js";
import { shortImage } from "./drift.js";

/** How long one function may take to roll out its new image before the deploy gives up on it. */
const UPDATE_SECONDS = 300;
/** Between two reads of a function's update status (AWS takes seconds; the first read is at once). */
const POLL_MS = 1000;

/**
 * Points each function at `image` (by digest) with UpdateFunctionCode, all at once, and waits
 * until each one's LastUpdateStatus is Successful. A failed update is the run's error, naming the
 * function and AWS's reason.
 */
export async function updateFunctionImages(
  clients: AwsClients,
  functions: readonly string[],
  image: string,
  progress: Progress,
): Promise<void> {
  let done = 0;
  progress.update(`updating ${functions.length} function(s) to ${shortImage(image)}`);
  await Promise.all(
    functions.map(async (name) => {
      const updated = await updateCode(clients, name, image);
      await waitUntilUpdated(clients, name, updated);
      done += 1;
      progress.update(`updated ${done}/${functions.length} function(s) to ${shortImage(image)}`);
    }),
  );
}

/** UpdateFunctionCode; a function still busy with an earlier update is asked again shortly. */
async function updateCode(clients: AwsClients, name: string, image: string): Promise<FunctionConfiguration> {
  const { UpdateFunctionCodeCommand } = await import("@aws-sdk/client-lambda");
  const lambda = await clients.lambda();
  const end = Date.now() + UPDATE_SECONDS * 1000;
  for (;;) {
    try {
      return await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ImageUri: image }));
    } catch (error) {
      if (awsErrorName(error) !== "ResourceConflictException" || Date.now() > end) throw error;
      await sleep(POLL_MS);
    }
  }
}

/** Until the function's LastUpdateStatus is Successful; Failed, or no end in time, is the run's error. */
async function waitUntilUpdated(clients: AwsClients, name: string, first: FunctionConfiguration) {
  const { GetFunctionCommand } = await import("@aws-sdk/client-lambda");
  const lambda = await clients.lambda();
  const end = Date.now() + UPDATE_SECONDS * 1000;
  let config = first;
  for (;;) {
    switch (config.LastUpdateStatus) {
      case "Successful":
        return;
      case "Failed":
        throw new CliError(
          "function-update-failed",
          `function ${name} did not take the new image: ${config.LastUpdateStatusReasonCode ?? "Failed"}${config.LastUpdateStatusReason ? ` (${config.LastUpdateStatusReason})` : ""}.`,
          {
            hint: "Run `pocket deploy` without --hotswap: the stack update puts every function on one image again.",
          },
        );
    }
    if (Date.now() > end) {
      throw new CliError(
        "function-update-timeout",
        `function ${name} was still updating after ${UPDATE_SECONDS} s (${config.LastUpdateStatus ?? "no status"}).`,
        { hint: "Check it with `aws lambda get-function`, then run `pocket deploy` without --hotswap." },
      );
    }
    await sleep(POLL_MS);
    config = (await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration ?? {};
  }
}

import { CliError } from "../../errors.js";
import { describeStack, stackOutputs } from "../../stacks/stack.js";
import { writeOut } from "../../util/stdio.js";
import type { OperationContext } from "../resource.js";
import { endpoints } from "./resource.js";

/** `pocket resource awscontainer url`: the API endpoint of each handler, from the stack's outputs. */
export async function printEndpoints({ run }: OperationContext) {
  const c = run.ctx.container!;
  const urls = endpoints(run.ctx, stackOutputs(await describeStack(run.aws(c.region), c.stackName)));
  if (urls.length === 0) {
    throw new CliError("no-endpoint", "no handler has an API endpoint yet.", {
      hint: "Give a handler `apigateway = {}` and run `pocket deploy`.",
    });
  }
  for (const u of urls) writeOut(`${u}\n`);
}

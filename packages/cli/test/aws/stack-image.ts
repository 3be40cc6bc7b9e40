import {
  CloudFormationClient,
  DescribeStacksCommand,
  UpdateStackCommand,
  waitUntilStackUpdateComplete,
} from "@aws-sdk/client-cloudformation";
import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { REGION } from "./harness.js";

/*
 * The image a function runs, and a container stack pointed at another image: the tests of several
 * `[container.<name>]` give their containers different digests this way, as deploys that built
 * each container anew would (moto builds no image, and `deploy --image` gives every container the
 * same one).
 */

/** The image URI a function runs. */
export async function functionImage(name: string): Promise<string | undefined> {
  const fn = await new LambdaClient({ region: REGION }).send(new GetFunctionCommand({ FunctionName: name }));
  return fn.Code?.ImageUri;
}

/** Updates a container stack's `ImageUri` parameter (template and other parameters unchanged). */
export async function runImageInStack(stackName: string, image: string): Promise<void> {
  const cfn = new CloudFormationClient({ region: REGION });
  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!;
  await cfn.send(
    new UpdateStackCommand({
      StackName: stackName,
      UsePreviousTemplate: true,
      Capabilities: ["CAPABILITY_NAMED_IAM"],
      Parameters: (stack.Parameters ?? []).map((p) =>
        p.ParameterKey === "ImageUri"
          ? { ParameterKey: "ImageUri", ParameterValue: image }
          : { ParameterKey: p.ParameterKey, UsePreviousValue: true },
      ),
    }),
  );
  await waitUntilStackUpdateComplete({ client: cfn, maxWaitTime: 60 }, { StackName: stackName });
}

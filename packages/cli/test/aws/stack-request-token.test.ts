import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { beforeAll, describe, expect, it } from "vitest";
import { awsClients } from "../../src/aws/clients.js";
import { deployStack } from "../../src/stacks/stack.js";
import { freshMoto } from "./harness.js";

const REGION = "ap-northeast-1";
const quiet = { update() {}, log() {} };

beforeAll(async () => {
  await freshMoto({ cli: false });
});

/**
 * CloudFormation can accept a request and still answer with an error (a 500, a dropped
 * connection). The SDK then retries the same request: with a ClientRequestToken AWS treats the
 * retry as the same request; moto does not know tokens and says "already exists", which pocket
 * must recognise as its own stack instead of failing the deploy.
 */
describe("stack requests are idempotent under the SDK's retries", () => {
  it("passes a ClientRequestToken and takes 'already exists' after its own accepted create as success", async () => {
    const clients = awsClients(REGION, { profile: undefined });
    const cfn = await clients.cloudformation();
    const sent: { name: string; token?: string }[] = [];
    let failed = false;
    cfn.middlewareStack.add(
      (next, context) => async (args) => {
        const input = (args as { input: { ClientRequestToken?: string } }).input;
        sent.push({ name: String(context.commandName), token: input.ClientRequestToken });
        const result = await next(args);
        if (context.commandName === "CreateStackCommand" && !failed) {
          failed = true;
          // Accepted by the server, then the answer is lost: the retry middleware sees a 500.
          throw Object.assign(new Error("We encountered an internal error. Please try again."), {
            name: "InternalFailure",
            $fault: "server",
            $metadata: { httpStatusCode: 500 },
          });
        }
        return result;
      },
      { step: "deserialize", name: "dropFirstCreateAnswer" },
    );
    const result = await deployStack(
      clients,
      {
        name: "token-test",
        template: {
          AWSTemplateFormatVersion: "2010-09-09",
          Description: "token test",
          Resources: { Queue: { Type: "AWS::SQS::Queue" } },
        },
      },
      quiet,
    );
    expect(result.changed).toBe(true);
    const creates = sent.filter((s) => s.name === "CreateStackCommand");
    expect(creates.length).toBe(2);
    expect(creates[0]!.token).toMatch(/^pocket-[0-9a-f-]{36}$/);
    expect(creates[1]!.token).toBe(creates[0]!.token);
    const stack = (
      await new CloudFormationClient({ region: REGION }).send(
        new DescribeStacksCommand({ StackName: "token-test" }),
      )
    ).Stacks?.[0];
    expect(stack?.StackStatus).toBe("CREATE_COMPLETE");
  });
});

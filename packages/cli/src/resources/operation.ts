import type { Operation } from "./resource.js";

/**
 * An operation that calls AWS with the stage's credentials, so its command takes `--profile`
 * (`Operation.aws`): how a kind declares one without repeating the flag in every entry.
 */
export function awsOperation<O>(operation: Omit<Operation<O>, "aws">): Operation<O> {
  return { ...operation, aws: true };
}

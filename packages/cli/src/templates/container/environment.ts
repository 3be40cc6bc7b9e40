import {
  LAMBDA_ENV_LIMIT,
  lambdaEnvironment,
  measureEnvironment,
  type PocketContext,
} from "@magic-pocket/config";
import { CliError } from "../../errors.js";
import type { Json } from "../template.js";
import { parameterNames } from "./parameters.js";

export { LAMBDA_ENV_LIMIT };

/**
 * The runtime contract (docs/decisions.md#r1-everything-arrives-through-the-environment,
 * docs/runtime-contract.md): every handler of the stage gets the same variables, so the code in
 * the image never calls AWS to discover a name. @magic-pocket/config derives them (and measures
 * them at `config validate`); this template only names its parameters.
 */
export function containerEnvironment(ctx: PocketContext): Record<string, Json> {
  return lambdaEnvironment(ctx, parameterNames()) as Record<string, Json>;
}

/**
 * Fails before any AWS call when the variables would not fit Lambda's 4 KB, naming the largest.
 * Values resolved by CloudFormation are counted at a realistic size for what they become.
 */
export function checkEnvironmentSize(env: Record<string, Json>): void {
  // The same measure as `pocket config validate` (@magic-pocket/config), so both agree.
  const { total, sizes } = measureEnvironment(env);
  if (total <= LAMBDA_ENV_LIMIT) return;
  const largest = sizes
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map((s) => `${s.name} (${s.bytes} bytes)`)
    .join(", ");
  throw new CliError(
    "lambda-env-too-large",
    `the Lambda environment would be about ${total} bytes; Lambda allows ${LAMBDA_ENV_LIMIT}. Largest: ${largest}.`,
    {
      hint: "Move large values out of [awscontainer.envs] (into a managed or user secret, or a file in the image), or shorten django settings.",
    },
  );
}

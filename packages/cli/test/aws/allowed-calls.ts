import { join } from "node:path";
import { loadConfig } from "@magic-pocket/config";
import { policyFor } from "../../src/commands/permissions-actions.js";
import { concretePolicy } from "../../src/commands/permissions-policy.js";
import { iamRequest, isAllowed, type PolicyDocument } from "../ops-iam-evaluator.js";
import type { StepRequest } from "./recorder.js";

export const ACCOUNT = "123456789012";

/** The policy `pocket permissions` gives the dev stage of the project in `dir`, on moto's account. */
export function stagePolicy(dir: string): PolicyDocument {
  const loaded = loadConfig({ configPath: join(dir, "pocket.toml"), env: {}, stage: "dev" });
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  return concretePolicy(policyFor(loaded.config.context), ACCOUNT, "aws") as PolicyDocument;
}

/** Each recorded call that policy does not allow, as `step: action resources` (none: all allowed). */
export function deniedCalls(policy: PolicyDocument, requests: StepRequest[]): string[] {
  const denied = requests
    .map(({ step, request }) => ({ step, call: iamRequest(request, ACCOUNT) }))
    .filter(({ call }) => !isAllowed(policy, call))
    .map(({ step, call }) => `${step}: ${call.action} ${call.resources.join(" ")}`);
  return [...new Set(denied)];
}

import { CliError } from "../errors.js";
import type { RunContext } from "../resources/resource.js";

/** Asks once; a "no" (or nobody to ask) stops the command before anything is deleted. */
export async function confirmOrStop(run: RunContext, question: string): Promise<void> {
  if (await run.confirm(question)) return;
  throw new CliError("destroy-not-confirmed", "nothing was deleted.", {
    hint: process.stdin.isTTY ? undefined : "Pass --yes to confirm when not running in a terminal.",
  });
}

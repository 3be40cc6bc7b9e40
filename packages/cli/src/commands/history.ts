import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";
import { awsCommand, FORCE_UNLOCK_OPTION } from "./options.js";

const actions = () => import("./history-actions.js");

/** `pocket history` and `pocket rollback`: the stage's recorded deploys, and going back to one. */
export function registerHistory(program: Command, global: () => GlobalOptions): void {
  awsCommand(program, "history", "list the stage's recorded deploys (newest first): when, who, image, stacks")
    .option("--json", "print JSON for scripts")
    .action(async (opts) => (await actions()).historyCommand(global(), opts));

  awsCommand(
    program,
    "rollback",
    "put the stage back to a recorded deploy: the same image digest and stack templates (shows the plan, then asks)",
  )
    .option(
      "--to <number>",
      "the deploy to return to, as `pocket history` numbers it (default: the one before the latest)",
    )
    .option("-y, --yes", "do not ask for confirmation")
    .option(...FORCE_UNLOCK_OPTION)
    .addHelpText(
      "after",
      "\nData is never touched: bucket objects, databases and secret values stay as they are.",
    )
    .action(async (opts) => (await actions()).rollbackCommand(global(), opts));
}

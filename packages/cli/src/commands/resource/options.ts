import type { Command } from "commander";

/** The options every stage-bound resource sub-command takes, with the same wording everywhere. */
export function withStage(command: Command): Command {
  return command.option("-s, --stage <stage>", "stage to use (default: POCKET_STAGE, or a prompt)");
}

export function withName(command: Command, what: string): Command {
  return command.option("-n, --name <name>", `only this ${what} (default: all, in pocket.toml order)`);
}

export interface StageOptions {
  stage?: string;
}

export interface NameOptions extends StageOptions {
  name?: string;
}

import type { Command } from "commander";

/** The options every stage-bound command takes, with the same wording everywhere. */
export const STAGE_OPTION = [
  "-s, --stage <stage>",
  "stage to use (default: POCKET_STAGE, or a prompt)",
] as const;
export const PROFILE_OPTION = [
  "--profile <name>",
  "AWS profile (default: AWS_PROFILE, then the default chain)",
] as const;
export const FORCE_UNLOCK_OPTION = [
  "--force-unlock",
  "clear a stage lock left by a crashed run on another machine (a dead run of this machine is cleared by itself)",
] as const;

export function withStage(command: Command): Command {
  return command.option(...STAGE_OPTION);
}

/** Commands that call AWS also take the profile to call it with. */
export function withAwsStage(command: Command): Command {
  return withStage(command).option(...PROFILE_OPTION);
}

/** A subcommand of `parent` with its one-line description (as `--help` lists it). */
export function subcommand(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description);
}

/** A stage-bound subcommand that calls AWS: `--stage` and `--profile` come first in its help. */
export function awsCommand(parent: Command, name: string, description: string): Command {
  return withAwsStage(subcommand(parent, name, description));
}

export function withName(command: Command, what: string): Command {
  return command.option("-n, --name <name>", `only this ${what} (default: all, in pocket.toml order)`);
}

export interface StageOptions {
  stage?: string;
  /** AWS profile, for the commands that call AWS. */
  profile?: string;
}

export interface NameOptions extends StageOptions {
  name?: string;
}

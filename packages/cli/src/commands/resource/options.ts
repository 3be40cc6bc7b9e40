import type { Command } from "commander";

/** The options every stage-bound resource sub-command takes, with the same wording everywhere. */
export function withStage(command: Command): Command {
  return command.option("-s, --stage <stage>", "stage to use (default: POCKET_STAGE, or a prompt)");
}

/** Commands that call AWS also take the profile to call it with. */
export function withAwsStage(command: Command): Command {
  return withStage(command).option(
    "--profile <name>",
    "AWS profile (default: AWS_PROFILE, then the default chain)",
  );
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

import { CliError } from "./errors.js";

/**
 * The stage for a command: `--stage`, else POCKET_STAGE, else a question on a terminal, else an
 * error that lists the stages (so scripts fail fast instead of hanging).
 */
export async function resolveStage(explicit: string | undefined, stages: readonly string[]): Promise<string> {
  if (explicit) return explicit;
  const fromEnv = process.env.POCKET_STAGE;
  if (fromEnv) return fromEnv;
  const list = stages.length ? stages.join(", ") : "(general.stages is empty or unreadable)";
  if (process.stdin.isTTY && process.stdout.isTTY && stages.length > 0) {
    const { select, isCancel } = await import("@clack/prompts");
    const picked = await select({
      message: "Which stage?",
      options: stages.map((s) => ({ value: s, label: s })),
    });
    if (isCancel(picked)) throw new CliError("cancelled", "No stage chosen.", { exitCode: 1 });
    return picked as string;
  }
  throw new CliError("stage-required", `This command needs a stage. Stages in pocket.toml: ${list}.`, {
    hint: "Pass --stage NAME or set POCKET_STAGE.",
    exitCode: 2,
  });
}

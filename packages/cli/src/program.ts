import { Command, CommanderError } from "commander";
import { explainAwsError } from "./aws/errors.js";
import { commandWord, withoutHelpForUnknownCommand } from "./commands/argv.js";
import type { GlobalOptions } from "./config-loader.js";
import { CliError, EXIT } from "./errors.js";
import { printable } from "./util/printable.js";
import { watchStdio, writeErr } from "./util/stdio.js";
import { VERSION } from "./version.js";

// The SDK warns on every run under Node 20 that a future release will need Node 22. pocket needs
// Node 22 (engines), where the SDK is silent; a checkout run on an older Node (npm ci's prepare
// builds there too) already hears it from npm's engine check, once, not on every command.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (type === "NodeVersionSupportWarning" || String(warning).includes("NodeVersionSupportWarning")) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

// Output goes to the file descriptors until something creates process.stdout / stderr; a closed
// pipe (`pocket ... | head`) ends the command quietly either way (util/stdio.ts).
watchStdio();

/**
 * Runs a `pocket` command line (`argv` as in process.argv) with the top-level commands of
 * `commands` and returns the exit status. Only the commands a line can reach are loaded:
 * `resource` loads the resource kinds only when named.
 */
export async function runProgram(commands: readonly TopCommand[], argv: string[]): Promise<number> {
  const program = await buildProgram(commands, argv.slice(2));
  try {
    const unknown = withoutHelpForUnknownCommand(program, argv.slice(2));
    await program.parseAsync(unknown ? [...argv.slice(0, 2), ...unknown] : argv);
    // A command may end with a status of its own (`pocket django manage` passes the command's on).
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (error) {
    return report(error);
  }
}

async function buildProgram(commands: readonly TopCommand[], args: string[]): Promise<Command> {
  const program = new Command("pocket")
    .description(
      "Deploy a pocket.toml to AWS: Lambda containers, API Gateway, SQS, secrets, S3, VPC, databases and CloudFront.",
    )
    .version(VERSION, "-v, --version", "print the pocket version")
    .option(
      "-c, --config <path>",
      "use this pocket.toml instead of searching from the current folder upwards",
    )
    .showHelpAfterError("(run with --help for usage)")
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .exitOverride();

  const global = (): GlobalOptions => program.opts<GlobalOptions>();
  const named = commandWord(args);
  const wanted = commands.some((c) => c.names.includes(named ?? "")) ? named : undefined;
  for (const { names, register } of commands) {
    if (wanted === undefined || names.includes(wanted)) await register(program, global, args);
  }

  program.addHelpText(
    "after",
    `
Environment:
  POCKET_STAGE        default stage for commands that take --stage
  NEON_API_KEY        Neon API key (also read from .env next to pocket.toml)
  TIDB_PUBLIC_KEY, TIDB_PRIVATE_KEY   TiDB Cloud API keys (also from .env)
  UPSTASH_EMAIL, UPSTASH_API_KEY   Upstash management API credentials (also from .env)
  AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL   standard AWS SDK settings
  DEPOT_TOKEN, DEPOT_PROJECT_ID   for awscontainer.build = "depot"
  CODEBUILD_PERMISSIONS_BOUNDARY  permissions boundary for the CodeBuild role
  NO_COLOR            disable colours
  POCKET_DEBUG=1      show the stack trace of an internal error`,
  );
  return program;
}

type Register = (program: Command, global: () => GlobalOptions, args: string[]) => void | Promise<void>;

/** A top-level command: the names it registers, and how (the tables are src/main.ts's). */
export interface TopCommand {
  names: readonly string[];
  register: Register;
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version arrive here too, with exit code 0.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof CliError) {
    // Messages quote AWS (a stack's status reason, a failed resource's reason): printable text only.
    const text = (t: string) => printable(t, { keepNewlines: true });
    writeErr(`error: ${text(error.message)}\n${error.hint ? `hint: ${text(error.hint)}\n` : ""}`);
    return error.exitCode;
  }
  // A network failure or a foreign answer outside the engine's wrapping is not a bug either.
  const explained = explainAwsError(error);
  if (explained) return report(explained);
  const aws = error as { name?: string; message?: string; $metadata?: unknown };
  if (aws && typeof aws === "object" && aws.$metadata) {
    // An AWS service said no in a way we have no specific advice for: not a bug in pocket.
    writeErr(
      `error: AWS ${printable(String(aws.name))}: ${printable(String(aws.message), { keepNewlines: true })}\n`,
    );
    return EXIT.failure;
  }
  const e = error as Error;
  writeErr(
    `internal error: ${printable(e?.message ?? String(error), { keepNewlines: true })}\n` +
      "This is a bug in pocket. Please report it with the command you ran and `pocket --version`.\n" +
      (process.env.POCKET_DEBUG ? `${e?.stack ?? ""}\n` : "Set POCKET_DEBUG=1 to see the stack trace.\n"),
  );
  return EXIT.internal;
}

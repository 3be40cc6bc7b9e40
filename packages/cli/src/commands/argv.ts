import type { Command } from "commander";

/**
 * The first word of a command line that is not an option or the value of `-c/--config`: the
 * command (or, given the words after one, its sub-command). bin/pocket.cjs scans the same way to
 * name its code cache, before this bundle is loaded.
 */
export function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-c" || arg === "--config") i++;
    else if (arg === "--") return args[i + 1];
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

const HELP_FLAGS = new Set(["-h", "--help"]);

/**
 * The command line without its help flags when it asks for help about a command that does not
 * exist (`pocket history --help`, `pocket config histroy -h`). Commander prints the help of the
 * nearest known command for those and exits 0; without the flags it reports the unknown command
 * with a suggestion and the usage exit status, as it does for `pocket history`. Undefined for any
 * other line, which commander parses as given.
 */
export function withoutHelpForUnknownCommand(
  program: Command,
  args: readonly string[],
): string[] | undefined {
  if (!args.some((a) => HELP_FLAGS.has(a))) return undefined;
  let command = program;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (HELP_FLAGS.has(arg) || arg.startsWith("--config=")) continue;
    if (arg === "-c" || arg === "--config") {
      i++;
      continue;
    }
    // Any other option may take a value we cannot tell from a command word: leave the line alone.
    if (arg.startsWith("-")) return undefined;
    // A command without sub-commands takes the rest as its own arguments; `help` is commander's.
    if (command.commands.length === 0 || arg === "help") return undefined;
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) return args.filter((a) => !HELP_FLAGS.has(a));
    command = sub;
  }
  return undefined;
}

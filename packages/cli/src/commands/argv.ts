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

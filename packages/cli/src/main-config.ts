import { registerConfig } from "./commands/config.js";
import { runProgram } from "./program.js";

/**
 * The entry of dist/cli-config.cjs, the bundle bin/pocket.cjs runs for `pocket config ...`: the
 * `config` command alone, without the deploy engine, the resources and the other commands, so
 * that this offline command reads and loads less code (docs/decisions.md#p21-cli-bundle). A
 * line whose command is `config` registers only that command in the full CLI too (src/main.ts),
 * so both bundles answer it alike.
 */
export function run(argv: string[]): Promise<number> {
  return runProgram([{ names: ["config"], register: registerConfig }], argv);
}

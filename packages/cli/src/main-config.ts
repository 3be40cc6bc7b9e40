import { registerConfig } from "./commands/config.js";
import type { CacheSlot } from "./config-cache/entry.js";
import { recordConfigShow, saveConfigShow } from "./config-cache/record.js";
import { runProgram } from "./program.js";

/**
 * The entry of dist/cli-config.cjs, the bundle bin/pocket.cjs runs for `pocket config ...`: the
 * `config` command alone, without the deploy engine, the resources and the other commands, so
 * that this offline command reads and loads less code (docs/decisions.md#p21-cli-bundle). A
 * line whose command is `config` registers only that command in the full CLI too (src/main.ts),
 * so both bundles answer it alike.
 */
export async function run(argv: string[], cacheSlot?: CacheSlot): Promise<number> {
  // `pocket config show` with no valid cached answer: bin/pocket.cjs hands over the slot this
  // run's answer fills (docs/decisions.md#p25-config-show-cache).
  const recording = cacheSlot && recordConfigShow();
  const status = await runProgram([{ names: ["config"], register: registerConfig }], argv);
  if (cacheSlot && recording) saveConfigShow(cacheSlot, recording, status);
  return status;
}

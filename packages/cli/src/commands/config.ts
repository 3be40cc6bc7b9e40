import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";
import { subcommand } from "./options.js";

const actions = () => import("./config-actions.js");

/** `pocket config validate|show|schema`: offline, no AWS. */
export function registerConfig(program: Command, global: () => GlobalOptions): void {
  const config = subcommand(program, "config", "check and inspect pocket.toml (offline, no AWS calls)");

  config
    .command("validate")
    .description("validate pocket.toml: one stage, or every stage when --stage is not given")
    .option("-s, --stage <stage>", "validate only this stage")
    .addHelpText("after", "\nExit status: 0 when valid (warnings allowed), 1 when there are errors.")
    .action(async (opts: { stage?: string }) => (await actions()).validateCommand(global(), opts));

  config
    .command("show")
    .description("print the merged settings (defaults filled) and every derived name for a stage")
    .option("-s, --stage <stage>", "stage to show (default: POCKET_STAGE, or a prompt)")
    .option("--json", 'print one JSON object { "settings": ..., "context": ... }')
    .action(async (opts: { stage?: string; json?: boolean }) =>
      (await actions()).showCommand(global(), opts),
    );

  config
    .command("schema")
    .description("print a JSON Schema of pocket.toml for editor completion (Even Better TOML / taplo)")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .action(async (opts: { output?: string }) => (await actions()).schemaCommand(opts));
}

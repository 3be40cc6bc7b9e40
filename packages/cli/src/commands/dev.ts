import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";
import { CliError } from "../errors.js";
import { PROFILE_OPTION, withStage } from "./options.js";

const actions = () => import("./dev-actions.js");

/** `pocket dev`: the stage's handlers, APIs, distributions and queues on this machine. */
export function registerDev(program: Command, global: () => GlobalOptions): void {
  withStage(
    program
      .command("dev")
      .description(
        "run the stage's handlers locally: each API and distribution on a port, queues delivered locally, restart on change",
      ),
  )
    .option(
      "-p, --port <port>",
      "the first port (the next APIs and distributions take the ports above it)",
      parsePort,
      3000,
    )
    .option("--remote-secrets", "read the secrets of the deployed stage (read-only) on top of .env")
    .option(...PROFILE_OPTION)
    .addHelpText(
      "after",
      `
Secrets come from .env beside pocket.toml; with --remote-secrets also from the deployed stage.
Python handlers run with POCKET_PYTHON, else .venv/bin/python beside pocket.toml, else python3.
Ctrl-C stops every handler process.`,
    )
    .action(async (opts) => (await actions()).devCommand(global(), opts));
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new CliError("invalid-port", `--port ${value} is not a port number (1-65535).`, { exitCode: 2 });
  }
  return n;
}

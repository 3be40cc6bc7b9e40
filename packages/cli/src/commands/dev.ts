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
    .option(
      "--host <address>",
      "listen on this address instead of loopback, and answer requests naming it (0.0.0.0: every address of this machine)",
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

/** Decimal digits only: Number() would also take "0x10", "1e3", "0b1" and " 80 " as ports. */
function parsePort(value: string): number {
  const n = /^[0-9]{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new CliError(
      "invalid-port",
      `--port ${value} is not a port number: give a decimal integer from 1 to 65535.`,
      { exitCode: 2 },
    );
  }
  return n;
}

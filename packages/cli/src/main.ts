import { registerBackup } from "./commands/backup.js";
import { registerConfig } from "./commands/config.js";
import { registerDev } from "./commands/dev.js";
import { registerDjango } from "./commands/django.js";
import { registerHistory } from "./commands/history.js";
import { registerInit } from "./commands/init.js";
import { registerInvoke } from "./commands/invoke.js";
import { registerLogs } from "./commands/logs.js";
import { registerPermissions } from "./commands/permissions.js";
import { registerResource } from "./commands/resource.js";
import { registerSecrets } from "./commands/secrets.js";
import { registerStageCommands } from "./commands/stage.js";
import { registerWaf } from "./commands/waf.js";
import { runProgram, type TopCommand } from "./program.js";
import { writeOut } from "./util/stdio.js";
import { VERSION } from "./version.js";

/** Runs the `pocket` command line (`argv` as in process.argv) and returns the exit status. */
export function run(argv: string[]): Promise<number> {
  return runProgram(COMMANDS, argv);
}

/**
 * Every top-level command, by the names it registers. A command line that names one registers
 * only that one (building the others' options and help is start-up time it would not use); any
 * other line (help, a typo to suggest for, no command) registers them all, in this order.
 */
export const COMMANDS: readonly TopCommand[] = [
  { names: ["deploy", "adopt", "status", "plan", "destroy"], register: registerStageCommands },
  { names: ["config"], register: registerConfig },
  { names: ["resource"], register: registerResource },
  { names: ["secrets"], register: registerSecrets },
  { names: ["init"], register: (program) => registerInit(program) },
  { names: ["django"], register: registerDjango },
  { names: ["logs"], register: registerLogs },
  { names: ["history", "rollback"], register: registerHistory },
  { names: ["invoke"], register: registerInvoke },
  { names: ["permissions"], register: registerPermissions },
  { names: ["waf"], register: registerWaf },
  { names: ["backup"], register: registerBackup },
  { names: ["dev"], register: registerDev },
  {
    // `pocket version`, as the Python magic-pocket spells it.
    names: ["version"],
    register: (program) => {
      program
        .command("version")
        .description("print the pocket version")
        .action(() => {
          writeOut(`${VERSION}\n`);
        });
    },
  },
];

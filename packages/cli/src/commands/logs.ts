import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";
import { awsCommand } from "./options.js";

/** `pocket logs --stage S [HANDLER...]`: the handlers' CloudWatch Logs, merged by time. */
export function registerLogs(program: Command, global: () => GlobalOptions): void {
  awsCommand(
    program,
    "logs",
    "print the handlers' CloudWatch Logs merged by time (all handlers when none is named)",
  )
    .argument("[handlers...]", "handler keys from [awscontainer.handlers], or <container>.<handler>")
    .option("--since <when>", "how far back: 10m, 2h, 1d, or an ISO 8601 time", "10m")
    .option("-f, --follow", "keep polling for new events until Ctrl-C")
    .option("--filter <pattern>", "CloudWatch Logs filter pattern, e.g. ERROR or '{ $.level = \"error\" }'")
    .option("--container <name>", "with several [container.<name>]: only this container's handlers")
    .option("--json", "one JSON object per event (START/END/REPORT parsed)")
    .option("--show-secrets", "print the stage's secret values where they occur (masked by default)")
    .addHelpText(
      "after",
      [
        "",
        "Lambda's START and END lines are left out; REPORT becomes one line with the duration, the memory",
        "used and, for a cold start, the init time. A handler that never ran says so.",
        "The stage's secret values (managed and user, 8 characters or longer) are shown as [masked NAME]",
        "unless --show-secrets is given; control characters in log lines are shown as escapes (\\x1b).",
      ].join("\n"),
    )
    .action(async (handlers: string[], opts) =>
      (await import("./logs-actions.js")).logsCommand(global(), handlers, opts),
    );
}

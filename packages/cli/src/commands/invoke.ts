import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";
import { awsCommand } from "./options.js";

/** `pocket invoke --stage S HANDLER`: one synchronous invocation of a handler's function. */
export function registerInvoke(program: Command, global: () => GlobalOptions): void {
  awsCommand(program, "invoke", "invoke a handler's function synchronously and print its response")
    .argument("<handler>", "a handler key from [awscontainer.handlers], or <container>.<handler>")
    .option("--payload <json>", "the event, as JSON (default {})")
    .option("--payload-file <file>", "read the event from this JSON file (- for standard input)")
    .option("--container <name>", "with several [container.<name>]: the container whose handler it is")
    .option("--log", "also print the end of the invocation's log (the last 4 KB Lambda returns)")
    .addHelpText(
      "after",
      "\nExit status: 1 when the function returned an error (the error is printed on stderr).",
    )
    .action(async (handler: string, opts) =>
      (await import("./invoke-actions.js")).invokeCommand(global(), handler, opts),
    );
}

import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";
import { FORCE_UNLOCK_OPTION, withAwsStage } from "./options.js";

const actions = () => import("./secrets-actions.js");

const HELP = `
User secrets are the ones [awscontainer.secrets.user] declares: values you own, in Secrets
Manager or SSM (the entry's store), which the functions read at a cold start. Only declared
names are accepted. Values are never printed unless asked for (\`get --reveal\`); \`set\` reads
the value without echo on a terminal, else from --from-file or standard input (one trailing
newline is dropped). Writes take the stage lock. The managed secrets are pocket's own: see
\`pocket resource awscontainer secrets --help\`.`;

/** `pocket secrets set|get|list|delete`: the stage's user secrets. */
export function registerSecrets(program: Command, global: () => GlobalOptions): void {
  const secrets = program
    .command("secrets")
    .description("create, read, list and delete the stage's user secrets ([awscontainer.secrets.user])")
    .addHelpText("after", HELP);

  withAwsStage(secrets.command("set").argument("<name>", "a name from [awscontainer.secrets.user]"))
    .description("create the user secret or store a new value in it (the value is never echoed)")
    .option("--container <name>", "with several [container.<name>]: the container whose secret it is")
    .option("--from-file <file>", "read the value from this file")
    .option("--from-stdin", "read the value from standard input")
    .option(...FORCE_UNLOCK_OPTION)
    .action(async (name: string, opts) => (await actions()).setSecret(global(), name, opts));

  withAwsStage(secrets.command("get").argument("<name>", "a name from [awscontainer.secrets.user]"))
    .description("show whether the user secret exists, its value masked; --reveal prints the value")
    .option("--container <name>", "with several [container.<name>]: the container whose secret it is")
    .option("--reveal", "print the value itself to standard output (and nothing else)")
    .action(async (name: string, opts) => (await actions()).getSecret(global(), name, opts));

  withAwsStage(secrets.command("list"))
    .description("list the declared user secrets and whether each exists (no values)")
    .option("--container <name>", "with several [container.<name>]: the container whose secret it is")
    .option("--json", "print JSON for scripts")
    .action(async (opts) => (await actions()).listUserSecrets(global(), opts));

  withAwsStage(secrets.command("delete").argument("<name>", "a name from [awscontainer.secrets.user]"))
    .description("delete the user secret (asks first; a Secrets Manager secret stays recoverable 30 days)")
    .option("--container <name>", "with several [container.<name>]: the container whose secret it is")
    .option("-y, --yes", "do not ask for confirmation")
    .option(...FORCE_UNLOCK_OPTION)
    .action(async (name: string, opts) => (await actions()).deleteSecret(global(), name, opts));
}

import type { Command } from "commander";
import type { GlobalOptions } from "../config-loader.js";

import { PROFILE_OPTION, STAGE_OPTION } from "./options.js";

const stageOption = STAGE_OPTION;
const profileOption = PROFILE_OPTION;
const actions = () => import("./django-actions.js");

/** `pocket django ...`: the Django path (init, manage, deploystatic, storage upload). */
export function registerDjango(program: Command, global: () => GlobalOptions): void {
  const django = program
    .command("django")
    .description("run a Django project on the stage: init, manage, deploystatic, storage upload");

  django
    .command("init")
    .description("write pocket.toml and pocket.Dockerfile for the Django project in this folder")
    .option("-f, --force", "overwrite existing files without asking (needed when not in a terminal)")
    .addHelpText(
      "after",
      "\nAlso copies the Python runtime of this pocket into .pocket/python-runtime (the Dockerfile installs it)\nand prints the settings.py block to add.",
    )
    .action(async (opts) => (await actions()).initCommand(opts));

  django
    .command("manage")
    .description("run a management command in the stage's Lambda and print its output")
    .argument("<command>", "the management command, e.g. migrate")
    .argument("[args...]", "its arguments; put options after --, e.g. -- --noinput")
    .option(...stageOption)
    .option(...profileOption)
    .option("--async", "queue the command on the management handler's SQS queue instead of waiting")
    .option("--handler <key>", "the handler to use (default: the management command handler)")
    .allowUnknownOption()
    .addHelpText("after", "\nExit status: the command's own exit status (0 when --async queued it).")
    .action(async (command: string, args: string[], opts) =>
      (await actions()).manageCommand(global(), command, args, opts),
    );

  django
    .command("deploystatic")
    .description("collectstatic locally, then upload changed files to the stage's static storage")
    .option(...stageOption)
    .option(...profileOption)
    .option("--dryrun", "show what would be uploaded, change nothing")
    .option("--skip-collectstatic", "upload what the last run collected (needs --source)")
    .option("--source <dir>", "upload this folder instead of running collectstatic")
    .addHelpText(
      "after",
      "\ncollectstatic runs with POCKET_PYTHON (default python3) and the runtime's get_storages() honouring\nPOCKET_STATICFILES_BACKEND_OVERRIDE / POCKET_STATICFILES_LOCATION_OVERRIDE. Unchanged files\n(same MD5) are skipped; hashed names get a one-year immutable Cache-Control.",
    )
    .action(async (opts) => (await actions()).deploystaticCommand(global(), opts));

  const storage = django.command("storage").description("the stage's Django storages");
  storage
    .command("upload")
    .description("upload a local folder to one of the stage's S3 storages (changed files only)")
    .argument("<name>", "the storage name in [awscontainer.django.storages], e.g. default")
    .option(...stageOption)
    .option(...profileOption)
    .option("--source <dir>", "the folder to upload (default: the storage's local fallback location)")
    .option("--delete", "delete objects under the storage's location that are not in the folder")
    .option("--dryrun", "show what would change, change nothing")
    .action(async (name: string, opts) => (await actions()).storageUploadCommand(global(), name, opts));
}
